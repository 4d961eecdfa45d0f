"""`python -m pyguard` as a person or a cron job runs it: output, exit codes, JSON envelope."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakeroot import FakeRoot

SRC = str(Path(__file__).resolve().parents[2] / "src")
SUDO = "" if os.geteuid() == 0 else "sudo "
MARKER = "/usr/lib/python3.11/EXTERNALLY-MANAGED"


def pyguard(*args, env=None):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "TERM", "PYGUARD_RULES", "COLUMNS")}  # prose wraps at 96
    environ["PYTHONPATH"] = SRC + os.pathsep + environ.get("PYTHONPATH", "")
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "pyguard", *args], capture_output=True,
                          text=True, env=environ, timeout=60)


@pytest.fixture
def broken_root(fake_root):
    fake_root.remove(MARKER)
    return fake_root


def test_healthy_root_prints_one_calm_line_and_exits_0(fake_root):
    result = pyguard("doctor", "--root", str(fake_root))
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"pyguard: {fake_root} (Debian 12 (bookworm), default Python 3.11) is healthy; "
           "35 rules checked.\n", "")


def test_warning_prints_grouped_finding_with_chrooted_numbered_repair_and_exits_1(broken_root):
    root = str(broken_root)
    result = pyguard("doctor", "--root", root)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.split("\n") == [
        f"pyguard doctor: 1 warning on {root} (Debian 12 (bookworm), default Python 3.11)",
        f"Run the repairs below as root; they work inside {root} with chroot.",
        "",
        "Warnings",
        "",
        "WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
        f"  libpython3.11-stdlib ships {MARKER}, but it is missing. Without",
        "  it pip installs into the system interpreter without a word, over the packages Debian manages.",
        "  Repair:",
        f"    1. {SUDO}chroot {root} /bin/sh -c 'apt-get install --reinstall -y libpython3.11-stdlib'",
        "       # restore the marker as shipped",
        "  More: pyguard explain pep668-marker",
        "",
    ]


@pytest.mark.parametrize("columns, detail", [
    ("60", ["  libpython3.11-stdlib ships",
            f"  {MARKER}, but it is missing.",
            "  Without it pip installs into the system interpreter",
            "  without a word, over the packages Debian manages."]),
    ("10", ["  libpython3.11-stdlib ships",  # never below 40
            f"  {MARKER},",
            "  but it is missing. Without it pip",
            "  installs into the system interpreter",
            "  without a word, over the packages",
            "  Debian manages."]),
])
def test_columns_sets_the_width_of_prose(broken_root, columns, detail):
    result = pyguard("doctor", "--root", str(broken_root), env={"COLUMNS": columns})
    lines = result.stdout.split("\n")
    start = lines.index("WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]")
    assert lines[start + 1:lines.index("  Repair:")] == detail


def test_error_finding_exits_2(fake_root):
    fake_root.remove("/usr/bin/python3")
    assert pyguard("doctor", "--root", str(fake_root)).returncode == 2


def test_no_color_and_a_pipe_give_plain_text(broken_root):
    plain = pyguard("doctor", "--root", str(broken_root))
    no_color = pyguard("doctor", "--root", str(broken_root), env={"NO_COLOR": "1", "TERM": "xterm"})
    assert "\x1b[" not in plain.stdout + no_color.stdout
    assert no_color.stdout == plain.stdout


def test_json_envelope_of_a_broken_root(broken_root):
    result = pyguard("doctor", "--root", str(broken_root), "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "schema": "pyguard/1",
        "tool": {"name": "pyguard", "version": "0.1.0"},
        "root": str(broken_root),
        "host": {"distro": "debian", "version": "12", "codename": "bookworm",
                 "default_python": "python3.11"},
        "status": "warning",
        "exit_code": 1,
        "findings": [{
            "rule": "pep668-marker",
            "severity": "warning",
            "title": "PEP 668 marker of Python 3.11 is gone: it is missing",
            "detail": f"libpython3.11-stdlib ships {MARKER}, but it is missing. Without it pip installs "
                      "into the system interpreter without a word, over the packages Debian manages.",
            "subject": MARKER,
            "paths": [MARKER],
            "repair": [{"command": "apt-get install --reinstall -y libpython3.11-stdlib",
                        "note": "restore the marker as shipped", "risk": "safe",
                        "action": {"kind": "reinstall", "packages": ["libpython3.11-stdlib"],
                                   "versions": [], "conffiles": "keep"}}],
        }],
        "errors": [],
        "notes": [],
    }


def _failure_envelope(root, code, message):
    return {
        "schema": "pyguard/1",
        "tool": {"name": "pyguard", "version": "0.1.0"},
        "root": root,
        "host": {"distro": "", "version": "", "codename": "", "default_python": ""},
        "exit_code": 3,
        "findings": [],
        "errors": [{"code": code, "message": message}],
        "notes": [],
    }


def test_missing_root_dir_exits_3_with_a_json_envelope(tmp_path):
    missing = str(tmp_path / "nowhere")
    result = pyguard("doctor", "--root", missing, "--format", "json")
    data = json.loads(result.stdout)
    data.pop("status")
    assert (result.returncode, data) == (
        3, _failure_envelope(missing, "bad-root", f"--root {missing}: no such directory"))


def test_bad_usage_exits_3_with_a_json_envelope():
    result = pyguard("doctor", "--format", "json", "--bogus")
    data = json.loads(result.stdout)
    data.pop("status")
    assert (result.returncode, data) == (
        3, _failure_envelope("/", "usage", "pyguard: unrecognized arguments: --bogus"))


def test_json_status_of_a_failed_run_is_not_ok(tmp_path):
    """A monitor reading `status` must not take "pyguard could not run" for "healthy"."""
    result = pyguard("doctor", "--root", str(tmp_path / "nowhere"), "--format", "json")
    assert json.loads(result.stdout)["status"] != "ok"


def test_bad_usage_in_text_mode_exits_3_with_message_on_stderr():
    result = pyguard("doctor", "--bogus")
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", "pyguard: unrecognized arguments: --bogus\n")


@pytest.mark.parametrize("command", [
    ("report", "--state-dir"), ("report", "--output"), ("upgrade-check", "--state-dir"),
    ("doctor", "--root"), ("venvs", "--venv-root"), ("guard", "status", "--root"),
    ("hooks", "status", "--config")])
def test_an_empty_path_is_bad_usage_never_a_default(command):
    """report --state-dir "" once wrote this host's /var/lib/pyguard."""
    result = pyguard(*command, "")
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", f"pyguard {' '.join(command[:-1])}: argument {command[-1]}: an empty path names "
               "nothing\n")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_that_cannot_be_written_is_said_on_stderr_not_a_traceback(broken_root, fmt):
    environ = {k: v for k, v in os.environ.items()  # stdout buffered, as on most hosts
               if k not in ("NO_COLOR", "TERM", "PYTHONUNBUFFERED")}
    environ["PYTHONPATH"] = SRC + os.pathsep + environ.get("PYTHONPATH", "")
    said = []
    for closed in (False, True):
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                [sys.executable, "-m", "pyguard", "doctor", "--format", fmt, "--root",
                 str(broken_root)], stdout=full, stderr=subprocess.PIPE, text=True, env=environ,
                timeout=60, preexec_fn=(lambda: os.close(1)) if closed else None)
        said.append((result.returncode, result.stderr))
    assert said == [(3, "pyguard: cannot write its output: No space left on device\n"),
                    (3, "pyguard: cannot write its output: standard output is closed\n")]


def test_missing_root_dir_in_text_mode_exits_3(tmp_path):
    missing = str(tmp_path / "nowhere")
    result = pyguard("doctor", "--root", missing)
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", f"pyguard: --root {missing}: no such directory\n")


def test_root_without_dpkg_status_is_an_error_exit_3(tmp_path):
    result = pyguard("doctor", "--root", str(tmp_path))
    assert result.returncode == 3


def test_explain_prints_every_section():
    result = pyguard("explain", "pep668-marker")
    headings = [line for line in result.stdout.split("\n") if line and not line.startswith(" ")]
    assert (result.returncode, headings) == (0, [
        "pep668-marker (warning)", "What it checks", "Why it matters on Debian", "Example",
        "Repair", "Repair safety", "References"])


def test_rules_lists_every_rule_in_doctor_order():
    result = pyguard("rules", env={"COLUMNS": "120"})
    rows = [line.split()[:2] for line in result.stdout.splitlines() if line[:1].strip()]
    assert (result.returncode, rows[0], rows[-1]) == (0, ["RULE", "SEVERITY"], ["35", "rules,"])
    assert rows[1:-1] == [
        ["stale-rtupdate-hook", "error"],
        ["python-dpkg-interrupted", "error"],
        ["python3-alternatives", "error"],
        ["python3-link", "error"],
        ["extension-abi", "error"],
        ["unowned-extension", "error"],
        ["stray-in-dist-packages", "error"],
        ["shadowed-debian-module", "error"],
        ["startup-hook", "error"],
        ["env-guard-rails", "error"],
        ["module-beside-scripts", "error"],
        ["broken-pip-command", "error"],
        ["modified-debian-file", "error"],
        ["record-outside-installation", "warning"],
        ["pip-in-usr-local", "warning"],
        ["shadowed-debian-module-user", "warning"],
        ["other-python3-first", "warning"],
        ["python-unversioned-link", "warning"],
        ["lsb-release-copy", "warning"],
        ["site-packages-dir", "warning"],
        ["distutils-hack", "warning"],
        ["pep668-marker", "warning"],
        ["pip-break-system-packages", "warning"],
        ["venv-broken", "warning"],
        ["orphaned-site", "warning"],
        ["pipx-app-broken", "warning"],
        ["uv-tool-broken", "warning"],
        ["upgrade-venv", "warning"],
        ["upgrade-pipx-app", "warning"],
        ["upgrade-site", "warning"],
        ["upgrade-dropped-package", "warning"],
        ["upgrade-extension", "warning"],
        ["python3-venv-missing", "info"],
        ["python3-distutils-missing", "info"],
        ["python3-pip-missing", "info"]]


@pytest.mark.parametrize("command", [
    ("doctor", "--format", "json"), ("venvs", "--format", "json"), ("undo", "--list"),
    ("upgrade-check", "--no-record", "--format", "json"), ("hooks", "status"),
    ("guard", "status"), ("rules",), ("explain", "pep668-marker")])
def test_root_before_the_command_as_dpkg_takes_it(broken_root, command):
    """`pyguard --root DIR COMMAND`, as `dpkg --root DIR -l`: the same run as with --root after
    it, for every command but the pip guard."""
    root = str(broken_root)
    before = pyguard("--root", root, *command)
    after = pyguard(*command, "--root", root)
    assert (before.returncode, before.stdout, before.stderr) == (
        after.returncode, after.stdout, after.stderr)
    assert pyguard(f"--root={root}", *command).stdout == after.stdout


@pytest.mark.parametrize("argv, message", [
    (("--root",), "pyguard: --root DIR comes with a command: pyguard --root DIR doctor"),
    (("--root", "/"), "pyguard: --root DIR comes with a command: pyguard --root DIR doctor"),
    (("--root", "/", "doctor", "--root", "/"), "pyguard: --root is given twice"),
    (("--root=/", "venvs", "--root=/"), "pyguard: --root is given twice"),
    (("--root", "/", "pip", "install", "six"),
     "pyguard: pyguard pip guards this system's pip and takes no --root (pip's own --root goes "
     "after `pip`)")])
def test_root_before_the_command_misused_is_bad_usage(argv, message):
    result = pyguard(*argv)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", message + "\n")


@pytest.mark.parametrize("command", [("rules",), ("explain", "pep668-marker")])
def test_the_catalogue_takes_root_too_and_reads_nothing_of_it(broken_root, tmp_path, command):
    """One --root serves a whole script; the rules are pyguard's own, so the output is the
    same, and a root that is not there is said as every command says it."""
    plain = pyguard(*command)
    rooted = pyguard(*command, "--root", str(broken_root))
    missing = str(tmp_path / "nowhere")
    bad = pyguard(*command, "--root", missing)
    assert (rooted.returncode, rooted.stdout, rooted.stderr) == (0, plain.stdout, "")
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        3, "", f"pyguard {command[0]}: --root {missing}: no such directory\n")


def test_explain_unknown_rule_exits_3():
    result = pyguard("explain", "nosuch")
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", "pyguard explain: no rule 'nosuch'; `pyguard rules` lists them\n")


def test_trixie_root_is_described_as_trixie(tmp_path):
    root = FakeRoot.trixie(tmp_path)
    result = pyguard("doctor", "--root", str(root))
    assert (result.returncode, result.stdout) == (
        0, f"pyguard: {root} (Debian 13 (trixie), default Python 3.13) is healthy; 35 rules checked.\n")
