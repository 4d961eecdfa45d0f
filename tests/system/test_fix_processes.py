"""The processes a fix reckons with, on real roots: a process chrooted into the root that holds
dpkg's lock stops the fix before anything changes, and a process that still runs a compiled
module apt replaced is named for a restart (pyguard run inside the root, on its `/`).
"""

from __future__ import annotations

import json
import subprocess
from typing import Callable, Iterator

import pytest

from .realroot import CHROOT_ENV, RealRoot, fix, pyguard, version_of
from .test_report import install_pyguard

FRONTEND = "/var/lib/dpkg/lock-frontend"
HOLD = ("import fcntl, time; f = open('/var/lib/dpkg/lock-frontend', 'w'); "
        "fcntl.lockf(f, fcntl.LOCK_EX); print('ready', flush=True); time.sleep(600)")
RUN_JSON = "import _json, time; print('ready', flush=True); time.sleep(600)"


@pytest.fixture
def inside() -> Iterator[Callable[[RealRoot, str], subprocess.Popen]]:
    """Start `python3 -c CODE` chrooted into a root and wait until it is ready; it is killed
    before the root is unmounted."""
    started = []

    def start(root: RealRoot, code: str) -> subprocess.Popen:
        proc = subprocess.Popen(["chroot", str(root.path), "python3", "-c", code],
                                env=dict(CHROOT_ENV), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout.readline() == "ready\n"
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def test_fix_names_the_process_in_the_root_that_holds_dpkgs_lock_and_changes_nothing(
        real_root: Callable[[str], RealRoot], inside) -> None:
    root = real_root("bookworm")
    root.run(f"rm /usr/lib/python{version_of(root)}/EXTERNALLY-MANAGED")
    holder = inside(root, HOLD)  # chroot execs python3: the same pid, named by its program

    plan = pyguard(root, "fix", "--dry-run")
    refused = pyguard(root, "fix", "--yes")
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        3, plan.stdout,
        f"pyguard fix: apt or dpkg is at work in {root.path}: process {holder.pid} (python3) "
        f"holds {FRONTEND}. Let it finish (or stop it), then run pyguard fix again; nothing "
        "changed\n")
    assert not root.host("/var/lib/pyguard").exists()

    holder.kill()
    holder.wait()
    code, result = fix(root)
    assert (code, result["findings"], result["fix"]["restart"]) == (0, [], [])


def test_a_process_still_running_a_module_apt_replaced_is_named_for_a_restart(
        real_root: Callable[[str], RealRoot], inside) -> None:
    root = real_root("bookworm")
    v = version_of(root)
    install_pyguard(root)
    root.run(f"rm /usr/lib/python{v}/EXTERNALLY-MANAGED")
    module = root.run("python3 -c 'import _json; print(_json.__file__)'").stdout.strip()
    assert module.startswith(f"/usr/lib/python{v}/lib-dynload/_json.")
    runner = inside(root, RUN_JSON)

    result = root.run("pyguard fix --yes --format json", check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert ([s["command"] for s in data["fix"]["steps"]], data["fix"]["restart"]) == (
        [f"apt-get install --reinstall -y libpython{v}-stdlib"],
        [{"pid": runner.pid, "name": "python3", "paths": [module]}])
