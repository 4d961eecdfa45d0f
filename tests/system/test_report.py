"""pyguard report on a real bookworm root: the packaged cron entry's command, quiet runs, a
breakage summarized once with the doctor's exit code, healed with its own repairs, resolved once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .realroot import SRC_DIR, RealRoot, assert_undo_restores, changed_files, doctor, heal

PROJECT = Path(__file__).resolve().parents[2]
WRAPPER = '#!/bin/sh\nPYTHONPATH=/opt/pyguard/src exec python3 -m pyguard "$@"\n'
MARKER = "/usr/lib/python3.11/EXTERNALLY-MANAGED"


def cron_command() -> str:
    """The command of contrib/cron/pyguard's one entry (after minute ... weekday and user)."""
    entries = [line for line in (PROJECT / "contrib/cron/pyguard").read_text().splitlines()
               if line.strip() and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(entries) == 1
    return entries[0].split(None, 6)[6]


def install_pyguard(root: RealRoot) -> None:
    """As the Debian package would: code under /opt, /usr/bin/pyguard, run by Debian's python3."""
    shutil.copytree(PROJECT / "src", root.host("/opt/pyguard/src"))
    shutil.copytree(PROJECT / "rules", root.host("/opt/pyguard/rules"))
    root.write("/usr/bin/pyguard", WRAPPER, mode=0o755)


def report_from_outside(root: RealRoot, state: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYGUARD_CONFIG", "PYGUARD_STATE_DIR")}
    env["PYTHONPATH"] = str(SRC_DIR)
    env["LC_ALL"] = "C"  # as cron runs it
    conf = state.parent / "pyguard.conf"
    conf.write_text("[report]\nsyslog = no\n")
    return subprocess.run([sys.executable, "-m", "pyguard", "report", "--root", str(root.path),
                           "--state-dir", str(state), "--config", str(conf), *args],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120)


def test_the_cron_entry_runs_report_inside_a_real_root(real_root) -> None:
    root = real_root("bookworm")
    install_pyguard(root)
    command = cron_command()
    for _ in range(2):
        quiet = root.run(command, check=False)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert root.host("/var/lib/pyguard/report-text.json").is_file()
    root.run(f"rm {MARKER}")
    changed = root.run(command, check=False)
    assert (changed.returncode, changed.stderr) == (1, "")
    assert changed.stdout == (
        "pyguard report: 1 warning on / (Debian 12 (bookworm), default Python 3.11); since the "
        "last run: 1 new\n\nNew\n"
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]\n"
        "    1. apt-get install --reinstall -y libpython3.11-stdlib\n"
        "       # restore the marker as shipped\n\n"
        "Why and how: pyguard doctor; pyguard explain RULE\n")
    assert root.run(command, check=False).stdout == ""


def test_report_twice_break_heal_resolved_once(real_root, pinned_wheels, tmp_path) -> None:
    root = real_root("bookworm")
    state = tmp_path / "state"
    for _ in range(2):
        quiet = report_from_outside(root, state)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    wheels = pinned_wheels(root)
    root.run(f"rm {MARKER} && python3 -m pip install -q --no-index --find-links {wheels} "
             "requests==2.32.3 urllib3==2.2.3")
    broken = report_from_outside(root, state)
    assert (broken.returncode, broken.stderr) == (2, "")
    lines = broken.stdout.splitlines()
    assert lines[0] == (f"pyguard report: 2 errors, 1 warning on {root.path} (Debian 12 "
                        "(bookworm), default Python 3.11); since the last run: 3 new")
    titles = [line for line in lines if line.startswith(("  ERROR", "  WARNING"))]
    assert titles == [
        "  ERROR requests 2.32.3 in /usr/local/lib/python3.11/dist-packages hides Debian's "
        "requests  [shadowed-debian-module]",
        "  ERROR urllib3 2.2.3 in /usr/local/lib/python3.11/dist-packages hides Debian's "
        "urllib3  [shadowed-debian-module]",
        "  WARNING PEP 668 marker of Python 3.11 is gone: it is missing  [pep668-marker]",
    ]
    assert report_from_outside(root, state).stdout == ""
    code, envelope = doctor(root)
    assert code == 2
    before = changed_files(root)
    heal(root, envelope)
    healed = report_from_outside(root, state)
    assert (healed.returncode, healed.stderr) == (0, "")
    assert healed.stdout.splitlines() == [
        f"pyguard report: {root.path} (Debian 12 (bookworm), default Python 3.11) is healthy "
        "now; since the last run: 3 resolved",
        "",
        "Resolved",
        *titles,
    ]
    again = report_from_outside(root, state)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert_undo_restores(root, before)
