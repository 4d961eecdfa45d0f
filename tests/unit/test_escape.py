"""Strings from the examined system reach a terminal escaped: render/escape.py, terminal.write,
the width prose wraps to and when colour is on. The commands' whole outputs with such strings
are in test_untrusted_output.py."""

import fcntl
import io
import os
import struct
import termios
import unicodedata

import pytest

from pyguard.findings import Finding, Host, Problem, Report
from pyguard.render import terminal
from pyguard.render.escape import printable, printable_lines
from pyguard.render.text import Context, plain, render
from test_pip_guard_run import bin_dirs  # noqa: F401  (a fixture)

ATTACK = "a\x1b]0;title\x07\x1b[2J\x1b[8m\rb\u202ec\x7fd\x9be\x1d\x1e\x1f[bold]f\udcff\n\tg"
ESCAPED = r"a\x1b]0;title\x07\x1b[2J\x1b[8m\rb\u202ec\x7fd\x9be\x1d\x1e\x1f[bold]f\xff\n\tg"


def test_printable_escapes_each_kind_of_control_character():
    assert printable(ATTACK) == ESCAPED


@pytest.mark.parametrize("char, shown", [
    ("\x00", r"\x00"), ("\x07", r"\x07"), ("\x08", r"\x08"), ("\x0b", r"\x0b"), ("\x1b", r"\x1b"),
    ("\x7f", r"\x7f"), ("\x85", r"\x85"), ("\x9b", r"\x9b"), ("\x9d", r"\x9d"),
    ("\xa0", r"\xa0"), ("\xad", r"\xad"), ("\u061c", r"\u061c"), ("\u200b", r"\u200b"),
    ("\u200e", r"\u200e"), ("\u200f", r"\u200f"), ("\u2028", r"\u2028"), ("\u2029", r"\u2029"),
    *((chr(c), f"\\u{c:04x}") for c in range(0x202A, 0x202F)),
    *((chr(c), f"\\u{c:04x}") for c in range(0x2066, 0x206A)),
    ("\ufeff", r"\ufeff"), ("\U000e0001", r"\U000e0001"), ("\U000e0041", r"\U000e0041"),
    ("\udc80", r"\x80"), ("\udcff", r"\xff"), ("\ud800", r"\ud800"),
    ("\n", r"\n"), ("\r", r"\r"), ("\t", r"\t"),
])
def test_each_dangerous_character_is_shown_as_its_escape(char, shown):
    assert printable(f"<{char}>") == f"<{shown}>"


def test_every_control_format_separator_and_surrogate_code_point_is_escaped():
    dangerous = [c for c in map(chr, range(0x110000))
                 if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    left = [c for c in dangerous if not (printable(c).startswith("\\") and printable(c).isascii())]
    assert left == []


def test_printable_text_is_returned_unchanged():
    text = "/usr/lib/python3/dist-packages/été-1.0.dist-info 'quoted' \\x1b [bold] 日本 🐍"
    assert printable(text) is text


def test_printable_lines_keeps_newlines_and_escapes_a_cr_in_any_place():
    assert printable_lines("one\r\ntwo\rthree\n\x1b[2Jfour\n") == "one\\r\ntwo\\rthree\n\\x1b[2Jfour\n"


# -- terminal.write ------------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_plain_write_strips_spans_and_escapes_what_a_renderer_left_raw():
    # Only the span marks need the renderer (next test): write cannot tell them from its own.
    out = io.StringIO()
    raw = "a\x1b]0;t\x07\x1b[2J\rb\u202ec\x7fd\x9be\udcff\tf"
    terminal.write(terminal.marked("ERROR", "error") + f" {raw}\nnext\n", out, False)
    assert out.getvalue() == "ERROR a\\x1b]0;t\\x07\\x1b[2J\\rb\\u202ec\\x7fd\\x9be\\xff\\tf\nnext\n"


def test_colour_write_styles_spans_and_never_reads_markup(monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Tty()
    text = f"{terminal.marked('ERROR', 'error')} {terminal.marked('[bold]x[/] :snake:', 'title')} "
    terminal.write(text + "[red]raw\x1b[2J\n", out, True)
    assert out.getvalue() == ("\x1b[1;31mERROR\x1b[0m \x1b[1m[bold]x[/] :snake:\x1b[0m "
                              "[red]raw\\x1b[2J\n")


# -- a renderer escapes values before it marks them ------------------------------------------------


def _report(title: str, detail: str, root: str = "/srv/root") -> Report:
    finding = Finding(rule="stray-in-dist-packages", severity="error", title=title, detail=detail,
                      subject="s", paths=(), repair=(), evidence={})
    return Report(root=root, findings=(finding,), errors=(Problem("x", "bad\x1b[2J\nline"),),
                  notes=())


def test_doctor_text_escapes_values_so_that_they_cannot_forge_a_span_or_a_line():
    forged = "\x1derror\x1eFAKE\x1f \x1b[8m"
    report = _report(f"name{forged}", f"First {forged} paragraph.\n\nSecond with a\nnewline.",
                     root="/srv/r\x1b]0;t\x07")
    host = Host(distro="debian", version="12\x1b[2J", codename="bookworm", default_python="3.11")
    out = io.StringIO()
    text = render(report, host, Context("/srv/r\x1b]0;t\x07", True), 26, terminal.marked)
    terminal.write(text, out, False)
    assert out.getvalue().split("\n") == [
        r"pyguard doctor: 1 error on /srv/r\x1b]0;t\x07 (Debian 12\x1b[2J (bookworm), default "
        "Python 3.11)",
        "",
        "Errors",
        "",
        r"ERROR name\x1derror\x1eFAKE\x1f \x1b[8m  [stray-in-dist-packages]",
        r"  First \x1derror\x1eFAKE\x1f \x1b[8m paragraph.",
        r"  Second with a\nnewline.",
        "  More: pyguard explain stray-in-dist-packages",
        "",
        "pyguard could not finish:",
        r"  x: bad\x1b[2J\nline",
        "",
    ]


def test_doctor_text_wraps_prose_to_the_width_it_is_given():
    words = " ".join(["word"] * 30)
    report = Report(root="/", findings=(Finding(
        rule="r", severity="warning", title="t", detail=words, subject="s", paths=(), repair=(),
        evidence={}),), errors=(), notes=())
    text = render(report, Host(distro="debian", version="12", codename="bookworm",
                               default_python="3.11"), Context("/", True), 1, plain, width=40)
    assert text.split("\n")[4:9] == [
        "WARNING t  [r]",
        "  word word word word word word word",
        "  word word word word word word word",
        "  word word word word word word word",
        "  word word word word word word word",
    ]


# -- colour and width ----------------------------------------------------------------------------


@pytest.fixture
def tty():
    """A real terminal (a pty) 70 columns wide, as stdout would be."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 70, 0, 0))
    stream = os.fdopen(slave, "w")
    yield stream
    stream.close()
    os.close(master)


@pytest.mark.parametrize("no_color, term, color", [
    (None, "xterm", True), ("", "xterm", True), ("1", "xterm", False), ("0", "xterm", False),
    (None, "dumb", False)])
def test_colour_on_a_terminal_unless_no_color_has_a_value_or_term_is_dumb(
        monkeypatch, tty, no_color, term, color):
    monkeypatch.setenv("TERM", term)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert (terminal.use_color(tty), terminal.use_color(io.StringIO())) == (color, False)


@pytest.mark.parametrize("columns, width", [
    (None, 70), ("", 70), ("100", 100), ("20", 40), ("500", 120), ("0", 70), ("wide", 70),
    ("٣٣", 70)])
def test_prose_width_on_a_terminal_is_columns_else_its_own(monkeypatch, tty, columns, width):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal.prose_width(tty) == width


@pytest.mark.parametrize("columns, width", [(None, 96), ("80", 80), ("-5", 96)])
def test_prose_width_of_a_pipe_is_columns_else_96(monkeypatch, columns, width):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    with open(os.devnull, "w") as devnull:
        assert (terminal.prose_width(io.StringIO()), terminal.prose_width(devnull)) == (width, width)


def test_apt_hook_messages_escape_titles_details_problems_and_the_root():
    from pyguard.apthooks.check import AptCheck, render_post, render_pre

    finding = Finding(rule="extension-abi", severity="error",
                      title="compiled modules of x\x1b[2J cannot be loaded",
                      detail="First of \x1b]0;t\x07 here. Second.", subject="s", paths=(),
                      repair=(), evidence={})
    outcome = AptCheck("/srv/r\x1b", (finding,), ("cannot read /x\x1b[8m\n",))
    problem = r"pyguard: apt hook could not check everything: cannot read /x\x1b[8m\n"
    assert render_pre(outcome, True).split("\n") == [
        problem,
        "pyguard: Debian's system Python is broken: the maintainer scripts of Python packages "
        "will fail.",
        r"  compiled modules of x\x1b[2J cannot be loaded  [extension-abi]",
        r"    First of \x1b]0;t\x07 here.",
        "  Repair, as root, then run apt again:",
        r"  Or all at once, every changed file kept for pyguard undo: pyguard fix --root '/srv/r\x1b'",
        r"  More: pyguard doctor --root '/srv/r\x1b'. To silence this check: [hooks] apt = no in "
        "/etc/pyguard/pyguard.conf.",
        "",
    ]
    assert render_post(outcome).split("\n") == [
        problem,
        "pyguard: after this apt run, Debian's system Python is broken:",
        r"  ERROR compiled modules of x\x1b[2J cannot be loaded  [extension-abi]",
        r"Next: pyguard doctor --root '/srv/r\x1b' (why, and the exact repair commands)",
        "",
    ]


def test_the_pip_guards_refusal_is_written_escaped(bin_dirs, monkeypatch, capsys):
    from pyguard.guard import main as guard_main

    monkeypatch.setattr(guard_main.os, "geteuid", lambda: 0)
    requirements = bin_dirs["root"] / "requirements.txt"  # a user's file, read by root
    requirements.write_text("./x\x1b]0;t\x07[bold]\n")
    assert guard_main.run(["install", "-r", str(requirements)], name="pip",
                          shim_path=str(bin_dirs["shim"])) == 1
    err = capsys.readouterr().err
    assert [line for line in err.split("\n") if "x\\" in line] == [
        r"  ./x\x1b]0;t\x07[bold]: not a name from PyPI; install it in a virtual environment"]
    assert "".join(c for c in err if not c.isprintable() and c != "\n") == ""
