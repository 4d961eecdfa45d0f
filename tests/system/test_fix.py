"""pyguard fix and undo on real roots: what the other system tests do not already show.

Every breakage the system tests make is healed with `pyguard fix --root ROOT --yes` and undone
with `pyguard undo` (realroot.assert_healed); here: local edits kept, a failing step, packages
apt cannot get, the mounts of the rescue case, and an interrupted fix.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Callable

from .realroot import (SRC_DIR, RealRoot, changed_files, files_differing_from, fix, mounts_under,
                       processes_in, pyguard, version_of)

SIX = "/usr/lib/python3/dist-packages/six.py"
UNDO = "/var/lib/pyguard/undo"


def records(root: RealRoot) -> list:
    return sorted(os.listdir(root.host(UNDO)))


def test_a_local_edit_of_a_debian_file_survives_the_fix_and_comes_back_with_undo(
        real_root: Callable[[str], RealRoot]) -> None:
    root = real_root("bookworm")
    root.run(f"echo '# local edit' >> {SIX}")
    edited = root.host(SIX).read_bytes()
    before = changed_files(root)

    code, result = fix(root)
    assert (code, result["findings"]) == (0, [])
    assert [(s["command"], s["exit_code"], s["kept"]) for s in result["fix"]["steps"]] == [
        ('mkdir -p /var/lib/pyguard/aside && tar -C / -czf "$(mktemp --suffix=.tar.gz '
         '/var/lib/pyguard/aside/python3-six-changed.XXXXXX)" usr/lib/python3/dist-packages/six.py',
         0, 0),
        ("apt-get install --reinstall -y python3-six", 0, 1),
    ]
    record = result["fix"]["undo"]["id"]
    assert root.run("dpkg -V python3-six").stdout == ""
    assert root.host(f"{UNDO}/{record}/files{SIX}").read_bytes() == edited
    manifest = json.loads(root.host(f"{UNDO}/{record}/manifest.json").read_text())
    assert [(e["path"], e["type"], e["mode"], e["uid"], e["step"]) for e in manifest["entries"]] \
        == [(SIX, "file", "0o644", 0, 2)]
    assert manifest["state"] == "done"

    undone = pyguard(root, "undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert root.host(SIX).read_bytes() == edited
    assert files_differing_from(root, before) == []


def test_the_fix_stops_at_the_first_failing_step_and_says_what_is_left(
        real_root: Callable[[str], RealRoot]) -> None:
    root = real_root("bookworm")
    v = version_of(root)
    root.run(f"ln -sf python3.99 /usr/bin/python3 && rm /usr/lib/python{v}/EXTERNALLY-MANAGED")
    root.write("/etc/apt/apt.conf.d/99fail", 'DPkg::Pre-Invoke { "echo dpkg refused >&2; false"; };\n')

    code, result = fix(root)
    steps = result["fix"]["steps"]
    assert code == 1  # the warning is left: its reinstall never ran
    assert [(s["number"], s["exit_code"]) for s in steps] == [(1, 0), (2, 100)]
    assert "dpkg refused" in steps[1]["output_tail"]
    assert [f["rule"] for f in result["findings"]] == ["pep668-marker"]

    text = pyguard(root, "fix", "--yes")
    assert text.returncode == 1
    assert "Step 1 failed; the steps after it did not run.\nDone: none. Left: step 1." in text.stdout


def test_packages_apt_cannot_get_stop_the_fix_before_anything_changes(
        real_root: Callable[[str], RealRoot]) -> None:
    root = real_root("trixie")
    v = version_of(root)
    root.run(f"rm /usr/lib/python{v}/EXTERNALLY-MANAGED /var/cache/apt/archives/*.deb "
             "/var/lib/apt/lists/*_Packages* && apt-get -qq check")
    before = changed_files(root)

    code, result = fix(root)
    assert code == 1
    assert result["fix"]["steps"] == [] and result["fix"]["undo"] is None
    (missing,) = result["fix"]["unavailable"]
    assert (missing["step"], missing["packages"]) == (1, [f"libpython{v}-stdlib"])
    assert missing["reason"] == (f"Reinstallation of libpython{v}-stdlib is not possible, "
                                 "it cannot be downloaded.")
    assert not root.host("/var/lib/pyguard").exists()
    assert files_differing_from(root, before) == []


def test_rescue_mounts_are_made_for_the_run_and_only_pyguards_are_undone(
        real_root: Callable[[str], RealRoot]) -> None:
    root = real_root("bookworm")
    root.run(f"rm /usr/lib/python{version_of(root)}/EXTERNALLY-MANAGED")
    mounted_before = mounts_under(str(root.path))

    code, result = fix(root)
    path = str(root.path)
    assert code == 0
    # /proc and /dev/pts were the test's own mounts: left alone. /dev is bound, which hides the
    # test's pts, so pyguard binds /dev/pts over it too.
    assert [m for m in result["fix"]["mounted"] if not m.endswith("resolv.conf")] == [
        f"{path}/sys", f"{path}/dev", f"{path}/dev/pts"]
    assert mounts_under(path) == mounted_before


WAITING = ("pyguard: interrupted; waiting up to 60 s for the running command (apt, dpkg) to stop "
           "at a safe point. Ctrl-C again stops it at once.\n")


def interrupt_fix_when(root: RealRoot, running: str) -> subprocess.CompletedProcess:
    """Run `pyguard fix --root ROOT --yes` and send it Ctrl-C (SIGINT) once the file `running`
    exists in the root and its `sleep 120` runs there: the state the test needs (a hook or a
    maintainer script running), not a guess of how long apt takes to get there."""
    mounted_before = mounts_under(str(root.path))
    env = {**os.environ, "PYTHONPATH": str(SRC_DIR)}
    proc = subprocess.Popen([sys.executable, "-m", "pyguard", "fix", "--root", str(root.path),
                             "--yes"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        while not (root.host(running).exists()
                   and any("sleep 120" in argv for argv in processes_in(root))):
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"fix ended before {running} existed:\n{out}\n{err}")
            time.sleep(0.1)
        assert len(mounts_under(str(root.path))) > len(mounted_before)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=600)  # a guard against hanging, not a measure
    finally:
        proc.kill()
        proc.wait()
    assert mounts_under(str(root.path)) == mounted_before
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_an_interrupted_fix_leaves_no_mount_behind(real_root: Callable[[str], RealRoot]) -> None:
    root = real_root("bookworm")
    root.run(f"rm /usr/lib/python{version_of(root)}/EXTERNALLY-MANAGED")
    running = "/var/tmp/pre-invoke-running"
    root.write("/etc/apt/apt.conf.d/99slow",
               f'DPkg::Pre-Invoke {{ "touch {running}; exec sleep 120"; }};\n')

    result = interrupt_fix_when(root, running)
    assert (result.returncode, result.stderr) == (130, WAITING + (
        "\npyguard fix: interrupted; every mount pyguard made is undone. "
        f"Run `pyguard undo --root {root.path}` to put back what was changed.\n"))
    (record,) = records(root)
    manifest = json.loads(root.host(f"{UNDO}/{record}/manifest.json").read_text())
    assert manifest["state"] == "interrupted"
    assert processes_in(root) == []


def test_an_interrupted_fix_says_what_dpkg_left_half_done_and_fix_finishes_it(
        real_root: Callable[[str], RealRoot]) -> None:
    """Ctrl-C while python3-six's postinst runs: dpkg leaves it half-configured, and pyguard
    says so with the commands that finish it; run again, fix finishes it."""
    root = real_root("bookworm")
    root.run(f"echo '# local edit' >> {SIX}")
    running, slow = "/var/tmp/postinst-running", "/var/tmp/slow-postinst"
    root.run("dpkg-divert --local --rename --add /usr/bin/py3compile")
    root.write("/usr/bin/py3compile", f"#!/bin/sh\nif [ -e {slow} ]; then touch {running}; "
                                      "sleep 120; fi\nexec /usr/bin/py3compile.distrib \"$@\"\n",
               mode=0o755)
    root.write(slow, "")

    result = interrupt_fix_when(root, running)
    assert (result.returncode, result.stderr) == (130, WAITING + (
        "\npyguard fix: interrupted; every mount pyguard made is undone.\n"
        "pyguard fix: dpkg was interrupted and left python3-six (half-configured). Finish its "
        "work first:\n"
        f"  chroot {root.path} /bin/sh -c 'dpkg --configure -a'\n"
        f"then run `pyguard fix --root {root.path}` again; `pyguard undo --root {root.path}` puts "
        "back what was changed.\n"))
    assert processes_in(root) == []

    root.run(f"rm {slow}")
    code, again = fix(root)
    assert (code, again["findings"]) == (0, [])
    assert [s["command"] for s in again["fix"]["steps"]] == ["dpkg --configure -a"]
    assert root.run("dpkg --audit").stdout == ""
