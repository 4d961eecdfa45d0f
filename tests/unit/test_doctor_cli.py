"""pyguard doctor's rough edges on a first run: --only, [ack] lines, roots it cannot examine."""

import json
import re
from pathlib import Path

import pytest

from test_cli import MARKER, SUDO, _failure_envelope, pyguard

HOST = "(Debian 12 (bookworm), default Python 3.11)"


@pytest.fixture
def two_problems(fake_root):
    """/usr/bin/python3 gone (an error) and no PEP 668 marker (a warning)."""
    fake_root.remove("/usr/bin/python3")
    fake_root.remove(MARKER)
    return fake_root


def test_only_a_rule_that_finds_nothing_does_not_call_a_broken_root_healthy(two_problems):
    root = str(two_problems)
    result = pyguard("doctor", "--root", root, "--only", "python3-alternatives")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"pyguard: no problem found by python3-alternatives on {root} {HOST}; 1 of 35 rules "
           "checked (--only).\n", "")


def test_only_reports_that_rules_findings_and_counts_the_rules_it_checked(two_problems):
    root = str(two_problems)
    result = pyguard("doctor", "--root", root, "--only", "pep668-marker",
                     "--only", "python3-alternatives", "--only", "pep668-marker")
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.split("\n") == [
        f"pyguard doctor: 1 warning on {root} {HOST}; 2 of 35 rules checked (--only)",
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


def test_an_unknown_only_rule_is_a_usage_error(fake_root):
    root = str(fake_root)
    text = pyguard("doctor", "--root", root, "--only", "no-such-rule")
    data = pyguard("doctor", "--root", root, "--only", "no-such-rule", "--only", "other",
                   "--format", "json")
    assert (text.returncode, text.stdout, text.stderr) == (
        3, "", "pyguard: --only no-such-rule: no such rule; `pyguard rules` lists them\n")
    assert (data.returncode, json.loads(data.stdout)) == (3, {
        **_failure_envelope(root, "unknown-rule",
                            "--only no-such-rule, other: no such rules; `pyguard rules` lists them"),
        "status": "unknown"})


def test_fix_names_an_unknown_only_rule_the_same_way(fake_root):
    result = pyguard("fix", "--root", str(fake_root), "--only", "no-such-rule", "--dry-run")
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", "pyguard fix: --only no-such-rule: no such rule; `pyguard rules` lists them\n")


def test_a_root_that_is_a_file_is_not_a_directory(tmp_path):
    file = tmp_path / "disk.img"
    file.write_text("")
    text = pyguard("doctor", "--root", str(file))
    data = pyguard("doctor", "--root", str(file), "--format", "json")
    assert (text.returncode, text.stdout, text.stderr) == (
        3, "", f"pyguard: --root {file}: not a directory\n")
    assert (data.returncode, json.loads(data.stdout)) == (3, {
        **_failure_envelope(str(file), "bad-root", f"--root {file}: not a directory"),
        "status": "unknown"})


def test_a_root_that_is_not_debian_gets_only_the_error(tmp_path):
    root = tmp_path / "alpine"
    (root / "etc").mkdir(parents=True)
    message = f"{root} has no /var/lib/dpkg/status: is it the root of a Debian or Ubuntu system?"
    text = pyguard("doctor", "--root", str(root))
    data = pyguard("doctor", "--root", str(root), "--format", "json")
    assert (text.returncode, text.stdout, text.stderr) == (3, "", f"pyguard: {message}\n")
    assert (data.returncode, json.loads(data.stdout)) == (3, {
        **_failure_envelope(str(root), "not-debian", message), "status": "unknown"})


DAMAGED = ("{root}/var/lib/dpkg looks damaged: {why}. pyguard judges nothing by it (every package "
           "would seem gone and its files stray); dpkg keeps the status before its last run in "
           "/var/lib/dpkg/status-old, and each package's files in /var/lib/dpkg/info")


@pytest.mark.parametrize("damage, why", [
    ("empty", "/var/lib/dpkg/status lists no package"),
    ("crlf", "/var/lib/dpkg/status has CRLF line ends, which dpkg never writes"),
    ("no-info", "/var/lib/dpkg/info is missing"),
    ("cut", "/var/lib/dpkg/status lists 1 packages, but /var/lib/dpkg/info has the file lists of "
            "{lists}"),
    ("dir", "/var/lib/dpkg/status is not a regular file"),
])
def test_a_damaged_dpkg_database_is_refused_not_judged(fake_root, damage, why):
    """An emptied status file (a full disk, a crash) once made every Debian package's files
    look stray, and fix moved python3-apt, pip and setuptools aside."""
    for n in range(20):  # a root has hundreds: the few a fake root has are not enough to tell
        fake_root.install(f"lib{n}", files={f"/usr/lib/lib{n}.so.1": ""})
    status = fake_root.host("/var/lib/dpkg/status")
    lists = len(list(fake_root.host("/var/lib/dpkg/info").glob("*.list")))
    if damage == "empty":
        status.write_text("")
    elif damage == "crlf":
        status.write_bytes(status.read_bytes().replace(b"\n", b"\r\n"))
    elif damage == "no-info":
        fake_root.remove("/var/lib/dpkg/info")
    elif damage == "dir":
        status.unlink()
        status.mkdir()
    else:
        status.write_text(status.read_text().split("\n\n")[0] + "\n")
    root = str(fake_root)
    message = DAMAGED.format(root=root, why=why.format(lists=lists))
    text = pyguard("doctor", "--root", root)
    data = pyguard("doctor", "--root", root, "--format", "json")
    fix = pyguard("fix", "--yes", "--root", root)
    assert (text.returncode, text.stdout, text.stderr) == (3, "", f"pyguard: {message}\n")
    assert (data.returncode, json.loads(data.stdout)) == (3, {
        **_failure_envelope(root, "dpkg-database-damaged", message), "status": "unknown"})
    assert (fix.returncode, fix.stdout, fix.stderr) == (3, "", f"pyguard fix: {message}\n")
    assert not fake_root.host("/var/lib/pyguard").exists()


# -- acknowledged findings: as report and the apt hooks honour them -----------------------------

ACK = "python3-link /usr/bin/python3 = our image links it; until 2099-12-31\npep668-marker * = build host\n"


def _with_acks(tmp_path, lines: str):
    config = tmp_path / "pyguard.conf"
    config.write_text("[ack]\n" + lines)
    return {"PYGUARD_CONFIG": str(config)}


def test_acknowledged_findings_are_left_out_with_one_line_that_says_how_to_see_them(
        two_problems, tmp_path):
    root = str(two_problems)
    result = pyguard("doctor", "--root", root, env=_with_acks(tmp_path, ACK))
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"pyguard: {root} {HOST} is healthy; 35 rules checked.\n"
           "\n"
           f"2 acknowledged findings not shown (pyguard doctor --all --root {root}).\n", "")


def test_all_shows_acknowledged_findings_with_their_reason_and_they_still_do_not_count(
        two_problems, tmp_path):
    root = str(two_problems)
    config = _with_acks(tmp_path, "pep668-marker * = build host\n")
    result = pyguard("doctor", "--root", root, "--all", env=config)
    assert (result.returncode, result.stderr) == (2, "")
    assert result.stdout.split("\n") == [
        f"pyguard doctor: 1 error on {root} {HOST}",
        f"Run the repairs below as root; they work inside {root} with chroot.",
        "",
        "Errors",
        "",
        "ERROR /usr/bin/python3 is not Debian's python3.11  [python3-link]",
        "  /usr/bin/python3 must run Debian's default interpreter /usr/bin/python3.11, but it is missing.",
        "  apt's hooks, maintainer scripts, lsb_release and add-apt-repository all run /usr/bin/python3",
        "  and need the modules Debian built for Python 3.11.",
        "  Repair:",
        f"    1. {SUDO}chroot {root} /bin/sh -c 'ln -sfn python3.11 /usr/bin/python3'",
        "       # point /usr/bin/python3 back at Debian's default interpreter",
        f"    2. {SUDO}chroot {root} /bin/sh -c 'apt-get install --reinstall -y python3-minimal "
        "python3.11-minimal'",
        "       # restore both packages' files as shipped",
        "  More: pyguard explain python3-link",
        "",
        "Acknowledged (not counted)",
        "",
        "WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
        f"  Acknowledged without end date: build host ({tmp_path}/pyguard.conf line 2)",
        f"  libpython3.11-stdlib ships {MARKER}, but it is missing. Without",
        "  it pip installs into the system interpreter without a word, over the packages Debian manages.",
        "  Repair:",
        f"    1. {SUDO}chroot {root} /bin/sh -c 'apt-get install --reinstall -y libpython3.11-stdlib'",
        "       # restore the marker as shipped",
        "  More: pyguard explain pep668-marker",
        "",
    ]


def test_an_expired_acknowledgement_counts_again_and_says_so(fake_root, tmp_path):
    fake_root.remove(MARKER)
    root = str(fake_root)
    config = _with_acks(tmp_path, "pep668-marker * = until the rebuild; until 2020-01-31\n")
    result = pyguard("doctor", "--root", root, env=config)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.split("\n")[3:8] == [
        "Warnings",
        "",
        "WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
        f"  Acknowledgement expired on 2020-01-31: until the rebuild ({tmp_path}/pyguard.conf line 2)",
        f"  libpython3.11-stdlib ships {MARKER}, but it is missing. Without",
    ]


def test_json_marks_acknowledged_findings_as_report_does_and_leaves_them_out_of_the_status(
        two_problems, tmp_path):
    root = str(two_problems)
    config = _with_acks(tmp_path, "pep668-marker * = build host\n"
                                  "python3-link * = gone; until 2020-01-31\n")
    result = pyguard("doctor", "--root", root, "--format", "json", env=config)
    without = json.loads(pyguard("doctor", "--root", root, "--format", "json").stdout)
    data = json.loads(result.stdout)
    assert (result.returncode, data["status"], data["exit_code"]) == (2, "error", 2)
    assert [f.pop("ack") for f in data["findings"]] == [
        {"reason": "gone", "until": "2020-01-31", "holds": False,
         "config": f"{tmp_path}/pyguard.conf line 3"},
        {"reason": "build host", "until": None, "holds": True,
         "config": f"{tmp_path}/pyguard.conf line 2"}]
    assert data == without

    only_held = _with_acks(tmp_path, "python3-link * = ours\npep668-marker * = build host\n")
    data = json.loads(pyguard("doctor", "--root", root, "--format", "json", env=only_held).stdout)
    assert (data["status"], data["exit_code"]) == ("ok", 0)


@pytest.mark.parametrize("command, prefix", [
    (["fix", "--dry-run"], "pyguard fix: "), (["undo", "--list"], "pyguard undo: "),
    (["venvs"], "pyguard: "), (["guard", "status"], "pyguard guard: "),
    (["hooks", "status"], "pyguard hooks: ")])
def test_every_command_says_a_file_given_as_root_is_not_a_directory(tmp_path, command, prefix):
    file = tmp_path / "disk.img"
    file.write_text("")
    result = pyguard(*command, "--root", str(file))
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", f"{prefix}--root {file}: not a directory\n")


# -- pyguard rules ------------------------------------------------------------------------------

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


def _two_rules(tmp_path) -> dict:
    """The catalogue's python3-link and pep668-marker, with a What of known length."""
    directory = tmp_path / "rules"
    directory.mkdir()
    whats = {"python3-link": "Follows /usr/bin/python3 link by link and checks that it ends at "
                             "the default interpreter named in /usr/share/python3/debian_defaults. "
                             "The rest is not shown.",
             "pep668-marker": "Checks for EXTERNALLY-MANAGED."}
    for rule, what in whats.items():
        text = (RULES_DIR / f"{rule}.rule").read_text()
        text = re.sub(r"^What:.*?\n(?=\S)", f"What: {what}\n", text, flags=re.M | re.S)
        (directory / f"{rule}.rule").write_text(text)
    return {"PYGUARD_RULES": str(directory)}


def test_rules_is_a_table_with_a_header_wrapped_to_the_width(tmp_path):
    result = pyguard("rules", env={**_two_rules(tmp_path), "COLUMNS": "72"})
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.split("\n") == [
        "RULE           SEVERITY  WHAT IT CHECKS",
        "python3-link   error     Follows /usr/bin/python3 link by link and",
        "                         checks that it ends at the default interpreter",
        "                         named in /usr/share/python3/debian_defaults",
        "pep668-marker  warning   Checks for EXTERNALLY-MANAGED",
        "",
        "2 rules, in the order pyguard doctor reports them; pyguard explain RULE",
        "prints one in full.",
        "",
    ]


def test_rules_on_a_narrow_terminal_puts_what_it_checks_under_the_rule(tmp_path):
    result = pyguard("rules", env={**_two_rules(tmp_path), "COLUMNS": "40"})
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.split("\n") == [
        "RULE           SEVERITY",
        "    WHAT IT CHECKS",
        "python3-link   error",
        "    Follows /usr/bin/python3 link by",
        "    link and checks that it ends at the",
        "    default interpreter named in",
        "    /usr/share/python3/debian_defaults",
        "pep668-marker  warning",
        "    Checks for EXTERNALLY-MANAGED",
        "",
        "2 rules, in the order pyguard doctor",
        "reports them; pyguard explain RULE",
        "prints one in full.",
        "",
    ]
