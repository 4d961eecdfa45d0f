"""Running repair commands inside the examined system, and the mounts that needs.

On the rescue disk the broken system sits at /mnt with nothing mounted inside it; apt, dpkg and
maintainer scripts want /proc, /sys, /dev, /dev/pts and a resolv.conf. pyguard mounts exactly
the ones missing, for the run only, and unmounts its own in reverse order however the run ends
(success, failure, Ctrl-C, SIGTERM). Mounts somebody made before are left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence

# What a repair sees: nothing of the caller's environment (PYTHONPATH, PIP_*, a venv, pyenv).
CLEAN_ENV: Dict[str, str] = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LC_ALL": "C.UTF-8",
    "DEBIAN_FRONTEND": "noninteractive",
    "APT_LISTCHANGES_FRONTEND": "none",
    "NEEDRESTART_MODE": "l",
}


class MountError(Exception):
    """A mount pyguard needs failed; nothing has run yet."""


@dataclass(frozen=True)
class Ran:
    """One command's outcome."""

    command: str
    exit_code: int
    seconds: float
    output: str
    """stdout and stderr together, as a terminal would have shown them."""


def run(root: str, command: str, timeout: Optional[float] = None) -> Ran:
    """Run a shell command as root inside `root` (chroot unless it is /), with a clean env.

    The command runs in its own process group, so Ctrl-C reaches pyguard first: pyguard then
    stops the command's group, waits for it, and only then unmounts.
    """
    argv = ["/bin/sh", "-c", command]
    if os.path.realpath(root) != "/":
        argv = ["chroot", root] + argv
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=dict(CLEAN_ENV), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd="/")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except BaseException:
        _stop(proc)
        raise
    return Ran(command, proc.returncode, time.monotonic() - started,
               out.decode("utf-8", "replace"))


def _stop(proc: subprocess.Popen) -> None:
    """Interrupt the command's whole process group, then kill it if it does not stop."""
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def mountpoints() -> List[str]:
    """Mount points of this mount namespace (octal escapes of /proc/self/mountinfo decoded)."""
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as info:
        for line in info:
            fields = line.split()
            if len(fields) > 4:
                points.append(_unescape(fields[4]))
    return points


def _unescape(field: str) -> str:
    return field.encode("latin-1", "surrogateescape").decode("unicode_escape").encode(
        "latin-1").decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Mount:
    target: str
    """Host path of the mount point (inside the examined root)."""
    argv: Sequence[str]


def planned_mounts(root: str) -> List[Mount]:
    """The mounts apt and maintainer scripts need in `root` that are not there yet."""
    root = os.path.realpath(root)
    if root == "/":
        return []
    present = set(mountpoints())
    wanted = [
        ("proc", ["-t", "proc", "proc"]),
        ("sys", ["-t", "sysfs", "sysfs"]),
        ("dev", ["--bind", "/dev"]),
        ("dev/pts", ["--bind", "/dev/pts"]),
    ]
    out = []
    for inside, args in wanted:
        target = os.path.join(root, inside)
        if os.path.islink(target) or not os.path.isdir(target):
            continue  # no mount point to use; never create or follow one
        if target in present and not (inside == "dev/pts" and out and out[-1].argv[-1] == "/dev"):
            continue  # somebody's mount; but a /dev bound by pyguard hides the pts below it
        out.append(Mount(target, args))
    resolv = _resolv_target(root)
    if resolv and resolv not in present and os.path.exists("/etc/resolv.conf"):
        out.append(Mount(resolv, ["--bind", "-o", "ro", os.path.realpath("/etc/resolv.conf")]))
    return out


def _resolv_target(root: str) -> Optional[str]:
    """The root's resolv.conf as a regular file to bind over (links resolved inside the root)."""
    from ..rootfs import RootFS

    fs = RootFS(root)
    resolved = fs.resolve("/etc/resolv.conf")
    if resolved is None or not fs.is_file(resolved):
        return None  # a dangling link into /run: names resolve only if apt's cache has all
    return fs.host_path(resolved)


@contextlib.contextmanager
def mounted(root: str, mounts: Sequence[Mount]) -> Iterator[List[str]]:
    """Mount `mounts`; unmount each one that was mounted, in reverse order, however it ends.

    SIGTERM is turned into KeyboardInterrupt while mounted, so `kill` cleans up like Ctrl-C.
    """
    done: List[str] = []
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for mount in mounts:
            result = subprocess.run(["mount", *mount.argv, mount.target],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise MountError(f"mount {' '.join(mount.argv)} {mount.target}: "
                                 f"{result.stderr.strip()}")
            done.append(mount.target)
        yield done
    finally:
        with _signals_held():
            for target in reversed(done):
                if subprocess.run(["umount", target], capture_output=True).returncode != 0:
                    subprocess.run(["umount", "-l", target], capture_output=True)
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """A second Ctrl-C must not stop the unmounting half-way."""
    mask = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
