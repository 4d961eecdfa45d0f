"""A user's package name in root's terminal, cron mail and monitoring (issue 11, terminal
hygiene): doctor, fix's plan and report's summary, Nagios and Prometheus outputs show every
control character of it escaped; JSON keeps it exact; rich never reads it as markup."""

import fcntl
import json
import os
import re
import select
import shlex
import struct
import subprocess
import sys
import termios

import pytest

from fakeroot import DIST_PACKAGES, FakeRoot
from pyguard.rules import load_rules
from test_cli import SUDO, pyguard
from test_report_cli import env, report  # noqa: F401  (env is a fixture)

NAME = "x\x1b]0;title\x07\x1b[2J\x1b[8m\u202eY\x7f\x9b\x1f[bold]\rZ\x1d\x1e"
"""Retitles the window, clears the screen, hides what follows, reverses it, a CSI, the span
marks of render/terminal.py and rich markup. METADATA's Name ends at the CR (a line break);
the dist-info directory's name holds all of it."""
TITLE_NAME = r"x\x1b]0;title\x07\x1b[2J\x1b[8m\u202eY\x7f\x9b\x1f[bold]"
DIST_INFO = TITLE_NAME + r"\rZ\x1d\x1e-1.0.dist-info"
TITLE = f"{TITLE_NAME} 1.0 in /usr/lib/python3/dist-packages is not from a Debian package"
MOVE = ('mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "$(mktemp '
        '--suffix=.tar.gz /var/lib/pyguard/aside/x_0_title_2J_8m_Y_bold_-1.0.XXXXXX)" '
        "usr/lib/python3/dist-packages/x\"$(printf '\\033')\"']0;title'\"$(printf '\\007\\033')\""
        "'[2J'\"$(printf '\\033')\"'[8m'\"$(printf '\\342\\200\\256')\"Y"
        "\"$(printf '\\177\\302\\233\\037')\"'[bold]'"
        "\"$(printf '\\015')\"Z\"$(printf '\\035\\036')\"-1.0.dist-info "
        "usr/lib/python3/dist-packages/evilmod")
"""The name's characters a terminal must not get raw, each as sh's printf gives it back: the
command, pasted, names the very directory (test_actions.py runs such words through sh)."""
SGR = re.compile("\x1b\\[[0-9;]*m")


def raw_controls(text: str) -> str:
    """Every character of text that is neither printable nor a newline."""
    return "".join(c for c in text if not c.isprintable() and c != "\n")


def shown(text: str):
    """The lines that show the name."""
    return [line for line in text.split("\n") if "title" in line]


@pytest.fixture
def hostile(fake_root: FakeRoot) -> FakeRoot:
    fake_root.pip_install(DIST_PACKAGES, NAME, "1.0", top_level=["evilmod"])
    return fake_root


def test_doctor_text_shows_the_name_escaped_with_or_without_colour(hostile):
    root = str(hostile)
    result = pyguard("doctor", "--root", root)
    no_color = pyguard("doctor", "--root", root, env={"NO_COLOR": "1", "TERM": "xterm"})
    assert (result.returncode, result.stderr, raw_controls(result.stdout)) == (2, "", "")
    assert shown(result.stdout) == [
        f"ERROR {TITLE}  [stray-in-dist-packages]",
        f"  {TITLE_NAME} 1.0 (installed by: pip) was written",
        f"    1. {SUDO}chroot {root} /bin/sh -c {shlex.quote(MOVE)}",
    ]
    assert no_color.stdout == result.stdout


def test_doctor_json_keeps_the_exact_name(hostile):
    result = pyguard("doctor", "--root", str(hostile), "--format", "json")
    finding, = json.loads(result.stdout)["findings"]
    plain_name = NAME.split("\r")[0]
    assert raw_controls(result.stdout) == ""  # JSON's own escaping
    assert {k: finding[k] for k in ("title", "subject", "paths", "detail")} == {
        "title": f"{plain_name} 1.0 in /usr/lib/python3/dist-packages is not from a Debian package",
        "subject": plain_name,
        "paths": [f"{DIST_PACKAGES}/{NAME}-1.0.dist-info", f"{DIST_PACKAGES}/evilmod"],
        "detail": f"/usr/lib/python3/dist-packages belongs to dpkg alone, but {plain_name} 1.0 "
                  "(installed by: pip) was written there by hand or by pip.",
    }


def test_fix_plan_shows_the_name_escaped(hostile):
    result = pyguard("fix", "--root", str(hostile), "--dry-run")
    assert (result.returncode, result.stderr, raw_controls(result.stdout)) == (2, "", "")
    assert shown(result.stdout) == [
        f"ERROR {TITLE}  [stray-in-dist-packages]",
        f"  1. [moves files] {MOVE}",
        f"     moves aside: {DIST_PACKAGES}/{DIST_INFO}, {DIST_PACKAGES}/evilmod",
    ]


def test_report_summary_and_nagios_show_the_name_escaped(env, hostile):  # noqa: F811
    text = report(env, hostile)
    nagios = report(env, hostile, "--format", "nagios")
    for result in (text, nagios):
        assert (result.returncode, result.stderr, raw_controls(result.stdout)) == (2, "", "")
    assert shown(text.stdout) == [
        f"  ERROR {TITLE}  [stray-in-dist-packages]",
        f"    1. {SUDO}chroot {hostile} /bin/sh -c {shlex.quote(MOVE)}",
    ]
    status, finding = nagios.stdout.splitlines()
    assert re.sub(r"time=[0-9.]+s", "time=T", status) == (
        f"PYGUARD CRITICAL - 1 error on {hostile}: {TITLE} | errors=1;;;0 warnings=0;;;0 "
        "info=0;;;0 acknowledged=0;;;0 time=T;;;0")
    assert finding == f"ERROR: {TITLE} [stray-in-dist-packages]"


def test_a_root_named_with_control_characters_is_escaped_in_every_format(env, tmp_path):  # noqa: F811
    from prometheus_client.parser import text_string_to_metric_families

    odd = tmp_path / "r\x1b]0;t\x07\x9b\u202e|"
    FakeRoot.bookworm(odd)
    shown_root = str(tmp_path) + r"/r\x1b]0;t\x07\x9b\u202e|"
    doctor = pyguard("doctor", "--root", str(odd))
    prometheus = report(env, odd, "--format", "prometheus")
    nagios = report(env, odd, "--format", "nagios")
    for result in (doctor, prometheus, nagios):
        assert (result.returncode, result.stderr, raw_controls(result.stdout)) == (0, "", "")
    assert doctor.stdout == (f"pyguard: {shown_root} (Debian 12 (bookworm), default Python "
                             f"3.11) is healthy; {len(load_rules())} rules checked.\n")
    info, = next(f for f in text_string_to_metric_families(prometheus.stdout)
                 if f.name == "pyguard_info").samples
    assert info.labels == {"version": "0.1.0", "root": shown_root, "default_python": "python3.11"}
    assert re.sub(r"time=[0-9.]+s", "time=T", nagios.stdout) == (
        f"PYGUARD OK - {shown_root.replace('|', '/')} is healthy | errors=0;;;0 warnings=0;;;0 "
        "info=0;;;0 acknowledged=0;;;0 time=T;;;0\n")


# -- the colour path: rich on a real terminal ------------------------------------------------------


def on_terminal(args, env, columns: int):
    """Run pyguard with stdout on a pty `columns` wide (no CR added to newlines)."""
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "pyguard", *args], stdin=subprocess.DEVNULL,
                               stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    try:
        while select.select([master], [], [], 60)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            out += data
    finally:
        os.close(master)
    _, err = process.communicate(timeout=60)
    return process.returncode, out.decode(), err.decode()


def test_rich_on_a_terminal_prints_markup_in_a_name_as_it_is(hostile):
    from test_cli import SRC
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "PYGUARD_RULES")}
    environ.update(PYTHONPATH=SRC, TERM="xterm-256color", NO_COLOR="")  # empty: colour stays on
    code, out, err = on_terminal(["doctor", "--root", str(hostile)], environ, columns=100)
    plain = pyguard("doctor", "--root", str(hostile), env={"COLUMNS": "100"})
    assert (code, err) == (2, "")
    assert f"\x1b[1m{TITLE}\x1b[0m  [stray-in-dist-packages]" in out  # styled, [bold] as is
    assert raw_controls(SGR.sub("", out)) == ""
    assert SGR.sub("", out) == plain.stdout


def test_venvs_table_shows_a_path_escaped_and_rich_never_reads_it_as_markup(fake_root):
    import io

    from fakeroot_venvs import make_venv
    from pyguard.commands.venvs import venv_rows
    from pyguard.facts.dpkg import DpkgDatabase
    from pyguard.facts.venvs import find_venvs
    from pyguard.render.venvs import rich_table
    from pyguard.rootfs import RootFS
    from test_venvs_command import pyguard as venvs_pyguard

    make_venv(fake_root, "/srv/[bold]a\x1b[2J\u202e:snake:")
    shown_path = r"/srv/[bold]a\x1b[2J\u202e:snake:"
    result = venvs_pyguard("venvs", "--root", str(fake_root))
    assert (result.returncode, result.stderr, raw_controls(result.stdout)) == (0, "", "")
    assert result.stdout.split("\n")[1] == f"{shown_path}  3.11.2  /usr/bin/python3.11         2  ok"
    fs = RootFS(str(fake_root))
    out = io.StringIO()
    rich_table(venv_rows(find_venvs(fs, DpkgDatabase(fs), ["/srv"])), ["/srv"], [], out)
    cells = [line.split("│")[1].strip() for line in out.getvalue().split("\n")
             if line.startswith("│")]
    assert "".join(cells) == shown_path  # folded over two lines, no emoji, no markup
    assert raw_controls(out.getvalue()) == ""


def test_a_line_break_in_a_path_never_starts_a_paragraph_of_the_detail(fake_root: FakeRoot):
    """A venv named "/srv/a<LF><LF>All is well." cannot add a paragraph of its own to doctor's."""
    from fakeroot_venvs import make_venv

    venv = "/srv/a\n\nAll is well, nothing to do."
    make_venv(fake_root, venv, caller="/usr/local/bin/python3.11")
    fake_root.mkdir("/usr/lib/python3.11/ensurepip")
    result = pyguard("doctor", "--root", str(fake_root))
    assert "\n  All is well" not in result.stdout and "\nAll is well" not in result.stdout
    assert "/srv/a\\n\\nAll is well, nothing to do. was made with" in result.stdout.replace("\n  ", " ")
    finding, = json.loads(pyguard("doctor", "--root", str(fake_root), "--format", "json").stdout)[
        "findings"]
    assert (finding["subject"], finding["detail"][:46]) == (
        venv, "/srv/a\\n\\nAll is well, nothing to do. was made")
