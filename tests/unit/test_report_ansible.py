"""contrib/ansible/pyguard-fleet.yml with ansible-core from PyPI: a fleet of fake roots on
localhost (local connection, one inventory host per --root), summarized by status and finding."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fakeroot import FakeRoot

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = PROJECT / "contrib" / "ansible" / "pyguard-fleet.yml"
MARKER = "/usr/lib/python3.11/EXTERNALLY-MANAGED"


def ansible_playbook():
    found = Path(sys.executable).with_name("ansible-playbook")
    return str(found) if found.exists() else shutil.which("ansible-playbook")


@pytest.mark.skipif(ansible_playbook() is None, reason="ansible-core is not installed (pip install '.[test]')")
def test_fleet_playbook_summarizes_hosts_by_status_and_common_findings(tmp_path):
    roots = {"healthy": FakeRoot.bookworm(tmp_path / "healthy"),
             "warned": FakeRoot.bookworm(tmp_path / "warned"),
             "broken": FakeRoot.bookworm(tmp_path / "broken"),
             "also-broken": FakeRoot.bookworm(tmp_path / "also-broken")}
    roots["warned"].remove(MARKER)
    for name in ("broken", "also-broken"):
        roots[name].remove(MARKER)
        roots[name].remove("/usr/bin/python3")
    config = tmp_path / "pyguard.conf"
    config.write_text("[report]\nsyslog = no\n")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[fleet]\n"
        + "".join(f"{name} pyguard_root={root}\n" for name, root in roots.items())
        + "missing pyguard_root=/nonexistent\n"
        + "[fleet:vars]\nansible_connection=local\n"
        + f"ansible_python_interpreter={sys.executable}\n"
        + f"pyguard_command='{sys.executable} -m pyguard'\n")
    variables = {"pyguard_environment": {"PYTHONPATH": str(PROJECT / "src"),
                                         "PYGUARD_STATE_DIR": str(tmp_path / "state"),
                                         "PYGUARD_CONFIG": str(config),
                                         "PYGUARD_CACHE_DIR": str(tmp_path / "cache")},
                 "pyguard_summary_file": str(tmp_path / "summary.json")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYGUARD_"))}
    env.update({"ANSIBLE_HOME": str(tmp_path / "ansible"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "atmp"),
                "ANSIBLE_REMOTE_TMP": str(tmp_path / "rtmp"), "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_HOST_KEY_CHECKING": "0", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "LC_ALL": "C.UTF-8"})
    result = subprocess.run([ansible_playbook(), "-i", str(inventory), str(PLAYBOOK),
                             "-e", json.dumps(variables)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary == {
        "hosts": 5,
        "by_status": {"ok": ["healthy"], "warning": ["warned"], "error": ["also-broken", "broken"],
                      "unknown": ["missing"]},
        "common_findings": [
            {"finding": "warning pep668-marker", "hosts": ["also-broken", "broken", "warned"], "count": 3},
            {"finding": "error python3-link", "hosts": ["also-broken", "broken"], "count": 2},
        ],
    }
    for line in ("pyguard fleet: 5 hosts", "error: 2 (also-broken, broken)", "warning: 1 (warned)",
                 "unknown: 1 (missing)", "ok: 1", "most common findings:",
                 "  3 host(s): warning pep668-marker", "  2 host(s): error python3-link"):
        assert f'"{line}"' in result.stdout, result.stdout
