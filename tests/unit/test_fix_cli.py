"""pyguard fix and undo from the command line on fake roots: the plan, and the refusals that
keep a system unchanged. Running the steps needs apt: tests/system/test_fix.py."""

import json

from fakeroot import FakeRoot
from fakeroot_shadowing import add_setuptools
from test_cli import MARKER, pyguard

NO_APT = "not asked: the examined system has no /usr/bin/apt-get"  # fake roots have no apt


def test_dry_run_prints_the_plan_and_changes_nothing(fake_root: FakeRoot):
    fake_root.remove(MARKER)
    fake_root.symlink("/usr/bin/python3", "python3.99")
    root = str(fake_root)
    result = pyguard("fix", "--root", root, "--dry-run")
    assert (result.returncode, result.stderr) == (2, "")
    assert result.stdout.splitlines() == [
        f"pyguard fix: 2 findings, 3 steps on {root} (Debian 12 (bookworm), default Python 3.11)",
        "",
        "ERROR /usr/bin/python3 is not Debian's python3.11  [python3-link]",
        "  1. [moves files] ln -sfn python3.11 /usr/bin/python3",
        "     # point /usr/bin/python3 back at Debian's default interpreter",
        "     replaces: /usr/bin/python3",
        "  2. [safe] apt-get install --reinstall -y python3-minimal python3.11-minimal",
        "     # restore both packages' files as shipped",
        f"     apt: {NO_APT}",
        "",
        "WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
        "  3. [safe] apt-get install --reinstall -y libpython3.11-stdlib",
        "     # restore the marker as shipped",
        f"     apt: {NO_APT}",
        "",
        "safe: reinstalls from the archive and touches nothing local; moves files: what it names "
        "goes aside. Every file a step removes or overwrites is copied first to "
        "/var/lib/pyguard/undo/ID; pyguard undo puts it back. A step on files a user controls "
        "runs as that user.",
    ]
    assert fake_root.host("/usr/bin/python3").readlink().name == "python3.99"


def test_json_plan_of_a_dry_run(fake_root: FakeRoot):
    fake_root.remove(MARKER)
    result = pyguard("fix", "--root", str(fake_root), "--dry-run", "--format", "json")
    doctor = json.loads(pyguard("doctor", "--root", str(fake_root), "--format", "json").stdout)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {**doctor, "fix": {
        "dry_run": True, "unavailable": [], "steps": [], "undo": None,
        "mounted": [], "restart": [],
        "plan": [{"number": 1, "rule": "pep668-marker", "subject": MARKER,
                  "command": "apt-get install --reinstall -y libpython3.11-stdlib",
                  "note": "restore the marker as shipped", "risk": "safe", "user": "root",
                  "action": {"kind": "reinstall", "packages": ["libpython3.11-stdlib"],
                             "versions": [], "conffiles": "keep"},
                  "moves": [], "packages": ["libpython3.11-stdlib"],
                  "apt": {"foreseen": False, "unforeseen": NO_APT}}],
    }}


def test_without_a_terminal_it_runs_only_with_yes(fake_root: FakeRoot):
    fake_root.remove(MARKER)
    result = pyguard("fix", "--root", str(fake_root))
    assert (result.returncode, result.stderr) == (
        3, "pyguard fix: not on a terminal; run it with --yes to carry out the plan, or "
           "--dry-run to only see it\n")
    assert not fake_root.host("/var/lib/pyguard").exists()


def test_a_healthy_root_has_nothing_to_fix(fake_root: FakeRoot):
    result = pyguard("fix", "--root", str(fake_root), "--yes")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"pyguard fix: nothing to fix on {fake_root} (Debian 12 (bookworm), default Python "
           "3.11).\n", "")


def test_fix_plans_nothing_when_a_check_could_not_run(fake_root: FakeRoot, tmp_path):
    """It printed only "nothing to fix" (or the plan of what the other checks found) and exit
    3, the failed checks unsaid; without --dry-run it went on to run that plan."""
    import shutil

    from pyguard.rules import rule_dirs

    rules = tmp_path / "rules"
    shutil.copytree(rule_dirs()[0], rules)
    text = (rules / "python3-link.rule").read_text()
    (rules / "python3-link.rule").write_text(text.replace("Check: interpreter.", "Check: marker.gone_"))
    fake_root.remove(MARKER)
    environ = {"PYGUARD_RULES": str(rules)}
    dry = pyguard("fix", "--root", str(fake_root), "--dry-run", env=environ)
    run = pyguard("fix", "--root", str(fake_root), "--yes", env=environ)
    said = ("pyguard fix: the examination could not finish (check-failed: python3-link: "
            "AttributeError: module 'pyguard.checks.marker' has no attribute 'gone_python3_link'), "
            "so nothing is planned; pyguard doctor shows what it found\n")
    assert [(r.returncode, r.stdout, r.stderr) for r in (dry, run)] == [(3, "", said)] * 2
    assert not fake_root.host("/var/lib/pyguard").exists()


def test_undo_with_nothing_recorded(fake_root: FakeRoot):
    listed = pyguard("undo", "--root", str(fake_root), "--list")
    undone = pyguard("undo", "--root", str(fake_root), "--yes")
    assert (listed.returncode, listed.stdout) == (0, "No fixes recorded.\n")
    assert (undone.returncode, undone.stderr) == (
        3, f"pyguard undo: no fix to undo: {fake_root}/var/lib/pyguard/undo holds none\n")


def test_not_a_directory(tmp_path):
    result = pyguard("fix", "--root", str(tmp_path / "nope"), "--yes")
    assert (result.returncode, result.stderr) == (
        3, f"pyguard fix: --root {tmp_path / 'nope'}: no such directory\n")


def test_advice_is_followed_only_when_its_rule_is_named(fake_root: FakeRoot):
    add_setuptools(fake_root)  # Debian's pip, and no python3-venv: advice to install it
    doctor = json.loads(pyguard("doctor", "--root", str(fake_root), "--format", "json").stdout)
    assert [(f["rule"], f["severity"]) for f in doctor["findings"]] == [
        ("python3-venv-missing", "info")]
    result = pyguard("fix", "--root", str(fake_root), "--yes")
    assert (result.returncode, result.stdout) == (
        0, f"pyguard fix: nothing to fix on {fake_root} (Debian 12 (bookworm), default Python "
           "3.11); advice only, which fix follows when its rule is named: pyguard fix --only "
           "python3-venv-missing\n")
    named = pyguard("fix", "--root", str(fake_root), "--only", "python3-venv-missing", "--dry-run")
    assert named.stdout.splitlines()[3] == "  1. [safe] apt-get install -y python3-venv"


def test_an_acknowledged_finding_is_left_alone(fake_root: FakeRoot, tmp_path):
    fake_root.remove(MARKER)
    config = tmp_path / "pyguard.conf"
    config.write_text("[ack]\npep668-marker * = build host\n")
    result = pyguard("fix", "--root", str(fake_root), "--dry-run",
                     env={"PYGUARD_CONFIG": str(config)})
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"pyguard fix: nothing to fix on {fake_root} (Debian 12 (bookworm), default Python "
           "3.11).\n", "")


def test_a_journal_left_by_a_killed_dpkg_stops_fix_before_apt_refuses(fake_root: FakeRoot):
    """apt refuses to run while dpkg's journal holds records; no step of this plan writes them
    down (a package outside Python's was being unpacked), so fix says so and changes nothing."""
    fake_root.remove(MARKER)
    status = fake_root.host("/var/lib/dpkg/status").read_text()
    block = next(b for b in status.split("\n\n") if b.startswith("Package: base-files\n"))
    fake_root.write("/var/lib/dpkg/updates/0000",
                    block.replace("install ok installed", "install ok half-configured") + "\n")
    root = str(fake_root)
    result = pyguard("fix", "--root", root, "--yes")
    assert (result.returncode, result.stderr) == (
        3, f"pyguard fix: dpkg was interrupted in {root}: its journal (/var/lib/dpkg/updates) "
           "holds 1 record not yet in its status file, and apt refuses to run until a dpkg run "
           "writes them down. Run `dpkg --configure -a` (`dpkg --triggers-only -a` if it stops "
           "at a package to reinstall), then pyguard fix again; nothing changed\n")
    assert not fake_root.host("/var/lib/pyguard").exists()
