"""What pyguard fix says after Ctrl-C: dpkg's state in the root, and how to finish what it left.

The interruption itself (apt in a hook, the signals, the mounts) is tests/system/test_fix.py's
test_an_interrupted_fix_*; here the words, on fake roots."""

import os
import signal
import subprocess
import sys
import time

from pyguard.commands.fix import interrupted_text
from test_cli import SRC


def test_a_clean_interruption_only_says_undo(fake_root):
    root = str(fake_root)
    assert interrupted_text(root, as_root=True) == (
        "pyguard fix: interrupted; every mount pyguard made is undone. "
        f"Run `pyguard undo --root {root}` to put back what was changed.\n")


def test_dpkg_left_half_done_is_said_with_the_commands_that_finish_it(fake_root):
    fake_root.set_status("python3-six", "install ok half-configured")
    fake_root.set_status("python3-requests", "install reinstreq half-installed")
    root = str(fake_root)
    assert interrupted_text(root, as_root=False) == (
        "pyguard fix: interrupted; every mount pyguard made is undone.\n"
        "pyguard fix: dpkg was interrupted and left python3-requests (half-installed, reinstall "
        "required), python3-six (half-configured). Finish its work first:\n"
        f"  sudo chroot {root} /bin/sh -c 'apt-get install --reinstall -y python3-requests'\n"
        f"  sudo chroot {root} /bin/sh -c 'dpkg --configure -a'\n"
        f"then run `pyguard fix --root {root}` again; `pyguard undo --root {root}` puts back "
        "what was changed.\n")


def test_a_journal_left_by_the_killed_dpkg_is_written_down_first(fake_root):
    status = fake_root.host("/var/lib/dpkg/status").read_text()
    block = next(b for b in status.split("\n\n") if b.startswith("Package: python3-six\n"))
    fake_root.write("/var/lib/dpkg/updates/0000",
                    block.replace("install ok installed", "install reinstreq half-installed"))
    root = str(fake_root)
    assert interrupted_text(root, as_root=True) == (
        "pyguard fix: interrupted; every mount pyguard made is undone.\n"
        "pyguard fix: dpkg was interrupted and left python3-six (half-installed, reinstall "
        "required). Finish its work first:\n"
        f"  chroot {root} /bin/sh -c 'dpkg --triggers-only -a'\n"
        f"  chroot {root} /bin/sh -c 'apt-get install --reinstall -y python3-six'\n"
        f"  chroot {root} /bin/sh -c 'dpkg --configure -a'\n"
        f"then run `pyguard fix --root {root}` again; `pyguard undo --root {root}` puts back "
        "what was changed.\n")


def test_with_the_interpreter_itself_gone_dpkg_alone_puts_it_back_first(fake_root):
    """Interrupted while the interpreter was away: apt's reinstall would run scripts that need
    it and stop, as python-dpkg-interrupted's repair knows."""
    fake_root.set_status("python3-six", "install reinstreq half-configured")
    fake_root.remove("/usr/bin/python3.11")
    version = fake_root.version_of("python3.11-minimal")
    root = str(fake_root)
    assert interrupted_text(root, as_root=True).split("\n")[2:4] == [
        f"  chroot {root} /bin/sh -c 'apt-get install --reinstall --download-only -y "
        f"python3.11-minimal={version} && dpkg --unpack /var/cache/apt/archives/"
        f"python3.11-minimal_{version}_amd64.deb'",
        f"  chroot {root} /bin/sh -c 'apt-get install --reinstall -y python3-six'"]


# -- chroot.run on Ctrl-C: pass it on, wait for the command to stop, escalate -----------------

RUNNER = """
import sys
from pyguard.fix import chroot
chroot.INTERRUPT_GRACE = float(sys.argv[2])
try:
    chroot.run("/", sys.argv[1])
except KeyboardInterrupt:
    print("run() ended with KeyboardInterrupt")
"""


def _interrupt_while(command: str, started, grace: float = 60.0):
    """Run `command` through chroot.run in a child Python; Ctrl-C it once `started` exists."""
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, command, str(grace)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not started.exists():  # the command's own state, not a sleep: it is running
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    return out, err


def test_ctrl_c_reaches_the_command_and_run_waits_for_it_to_finish_its_safe_point(tmp_path):
    started, finished = tmp_path / "started", tmp_path / "finished"
    command = (f"trap 'sleep 1; touch {finished}; exit 1' INT; touch {started}; "
               "while :; do sleep 0.1; done")
    out, err = _interrupt_while(command, started)
    assert (out, err, finished.exists()) == (
        "run() ended with KeyboardInterrupt\n",
        "pyguard: interrupted; waiting up to 60 s for the running command (apt, dpkg) to stop at "
        "a safe point. Ctrl-C again stops it at once.\n", True)


def test_a_command_that_ignores_ctrl_c_gets_sigterm_after_the_grace(tmp_path):
    started = tmp_path / "started"
    out, err = _interrupt_while(f"trap '' INT; touch {started}; sleep 600", started, grace=0.5)
    assert (out, err) == (
        "run() ended with KeyboardInterrupt\n",
        "pyguard: interrupted; waiting up to 0.5 s for the running command (apt, dpkg) to stop at "
        "a safe point. Ctrl-C again stops it at once.\n"
        "pyguard: the running command did not stop: sent SIGTERM.\n")


def test_ctrl_c_reaches_a_session_of_its_own_below_the_command(tmp_path):
    """apt runs dpkg and the maintainer scripts in a session of their own (on a pseudo-terminal):
    the SIGINT goes to their process group too, as a Ctrl-C typed into apt's terminal would."""
    started, finished = tmp_path / "started", tmp_path / "finished"
    inner = (f"trap 'touch {finished}; exit 1' INT; touch {started}; "
             "while :; do sleep 0.1; done")
    out, err = _interrupt_while(f'setsid -w sh -c "{inner}"', started)
    assert (out, err, finished.exists()) == (
        "run() ended with KeyboardInterrupt\n",
        "pyguard: interrupted; waiting up to 60 s for the running command (apt, dpkg) to stop at "
        "a safe point. Ctrl-C again stops it at once.\n", True)
