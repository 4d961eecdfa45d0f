"""Running repair commands inside the examined system, and the mounts that needs.

On the rescue disk the broken system sits at /mnt with nothing mounted inside it; apt, dpkg and
maintainer scripts want /proc, /sys, /dev, /dev/pts and a resolv.conf. pyguard mounts exactly
the ones missing, for the run only, and unmounts its own in reverse order however the run ends
(success, failure, Ctrl-C, SIGTERM). Mounts somebody made before are left alone.

A mount point is never named by a path the mount command would walk again: it is reached from
the root's descriptor one component at a time with O_NOFOLLOW, and mounted onto as
/proc/self/fd/N (mount --no-canonicalize); unmounting detaches the mount through a descriptor
of it taken right after mounting. A directory of the root swapped for a link meanwhile cannot
send a mount, or an unmount, anywhere else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

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


INTERRUPT_GRACE = 60.0
"""Seconds apt and dpkg get after Ctrl-C to stop where they choose: apt lets the dpkg run at
hand finish and then stops, dpkg ends the package it is unpacking or configuring."""
TERM_GRACE = 15.0
"""Then SIGTERM, and this long before SIGKILL."""
KILL_WAIT = 10.0


def run(root: str, command: str, timeout: Optional[float] = None) -> Ran:
    """Run a shell command as root inside `root` (chroot unless it is /), with a clean env.

    The command runs in its own process group, so Ctrl-C (or SIGTERM, which `mounted` turns
    into the same) reaches pyguard first: pyguard passes it on as SIGINT to the command and
    what it started, waits for them to end (see _stop), and only then lets the interruption
    go on to unmount and report.
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
    """Stop the command and all it started, giving apt and dpkg the chance to stop cleanly.

    SIGINT first, to every process group below the command: its own, and the one apt gives
    dpkg and the maintainer scripts on a pseudo-terminal of their own (which a Ctrl-C typed
    into apt's terminal reaches). They get up to INTERRUPT_GRACE seconds to end; then SIGTERM
    and TERM_GRACE seconds; then SIGKILL. Another Ctrl-C (or SIGTERM) while waiting skips to
    the next signal. Output is read on while waiting, so a command that writes a lot cannot
    block on a full pipe. Never waits for ever: a process stuck in the kernel is left behind
    rather than pyguard with it.
    """
    groups: Set[int] = set()
    steps = ((signal.SIGINT, INTERRUPT_GRACE, "SIGINT"), (signal.SIGTERM, TERM_GRACE, "SIGTERM"),
             (signal.SIGKILL, KILL_WAIT, "SIGKILL"))
    for number, (sig, grace, name) in enumerate(steps):
        groups |= _groups_below(proc.pid)
        if not _signal(groups, sig) and proc.poll() is not None:
            return
        if number == 0:
            _say(f"pyguard: interrupted; waiting up to {INTERRUPT_GRACE:g} s for the running "
                 "command (apt, dpkg) to stop at a safe point. Ctrl-C again stops it at once.")
        else:
            _say(f"pyguard: the running command did not stop: sent {name}.")
        deadline = time.monotonic() + grace
        try:
            while True:
                if proc.poll() is None:
                    try:
                        proc.communicate(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
                    except subprocess.TimeoutExpired:
                        groups |= _groups_below(proc.pid)
                elif not _members(groups):
                    return
                else:  # the command ended; what it left in its groups (dpkg under apt) not yet
                    time.sleep(0.1)
                if time.monotonic() >= deadline:
                    break
        except KeyboardInterrupt:  # asked again: do not wait for the safe point
            continue


def _groups_below(pid: int) -> Set[int]:
    """The process groups of `pid` and of every process below it (from /proc)."""
    parent: Dict[int, int] = {}
    group: Dict[int, int] = {}
    for entry in _proc_stats():
        parent[entry[0]], group[entry[0]] = entry[2], entry[3]
    children: Dict[int, List[int]] = {}
    for child, ppid in parent.items():
        children.setdefault(ppid, []).append(child)
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        if current in group:
            found.add(group[current])
        todo += children.get(current, [])
    found.discard(os.getpgrp())  # never pyguard's own
    return found


def _members(groups: Set[int]) -> bool:
    """Whether any process (not a zombie) is still in one of `groups`."""
    return any(entry[3] in groups and entry[1] != "Z" for entry in _proc_stats())


def _signal(groups: Set[int], sig: int) -> bool:
    """Send `sig` to each group; whether any of them still had a process."""
    reached = False
    for pgid in sorted(groups):
        try:
            os.killpg(pgid, sig)
            reached = True
        except (ProcessLookupError, PermissionError):
            continue
    return reached


def _proc_stats() -> Iterator[Tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, from /proc/PID/stat."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat_file:
                text = stat_file.read()
        except OSError:
            continue  # gone meanwhile
        fields = text[text.rfind(b")") + 2:].split()  # the name in () may hold anything
        if len(fields) >= 3:
            yield int(name), fields[0].decode("ascii", "replace"), int(fields[1]), int(fields[2])


def _say(text: str) -> None:
    import sys

    sys.stderr.write(text + "\n")
    sys.stderr.flush()


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
    """Host path of the mount point (inside the examined root), for messages."""
    argv: Sequence[str]
    inside: str = ""
    """The mount point as a path inside the root: a directory reached with no link on the way,
    or (is_file) a file whose parents are resolved inside the root."""
    is_file: bool = False
    read_only: bool = False
    """Remounted read-only after the bind (mount cannot do both through a descriptor)."""


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
        mount = Mount(target, args, "/" + inside)
        try:
            os.close(_open_target(root, mount))
        except OSError:
            continue  # no mount point to use; never create or follow one
        if target in present and not (inside == "dev/pts" and out and out[-1].argv[-1] == "/dev"):
            continue  # somebody's mount; but a /dev bound by pyguard hides the pts below it
        out.append(mount)
    resolv = _resolv_target(root)
    if resolv and resolv.target not in present and os.path.exists("/etc/resolv.conf"):
        out.append(resolv)
    return out


def _resolv_target(root: str) -> Optional[Mount]:
    """The root's resolv.conf as a regular file to bind over (links resolved inside the root)."""
    from ..rootfs import RootFS

    fs = RootFS(root)
    resolved = fs.resolve("/etc/resolv.conf")
    if resolved is None or not fs.is_file(resolved):
        return None  # a dangling link into /run: names resolve only if apt's cache has all
    return Mount(fs.host_path(resolved), ["--bind", os.path.realpath("/etc/resolv.conf")],
                 resolved, is_file=True, read_only=True)


def _open_target(root: str, mount: Mount) -> int:
    """An O_PATH descriptor of the mount point as it is now: a directory reached from the
    root's descriptor with O_NOFOLLOW at every step, or a regular file opened O_NOFOLLOW in
    its parent resolved inside the root. Raises OSError."""
    import stat

    if mount.is_file:
        from ..rootfs import RootFS

        with RootFS(root) as fs:
            dir_fd, name = fs.open_parent(mount.inside)
        try:
            fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(f"{mount.target} is not a regular file")
        return fd
    fd = os.open(os.path.realpath(root), os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    for part in (p for p in mount.inside.split("/") if p):
        try:
            step = os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                           dir_fd=fd)
        finally:
            os.close(fd)
        fd = step
    return fd


def _mount_at(fd: int, args: Sequence[str], shown: str) -> None:
    """mount ARGS onto what `fd` is, named /proc/self/fd/N so that mount walks no path."""
    result = subprocess.run(["mount", "--no-canonicalize", *args, f"/proc/self/fd/{fd}"],
                            pass_fds=(fd,), capture_output=True, text=True)
    if result.returncode != 0:
        raise MountError(f"mount {' '.join(args)} {shown}: {result.stderr.strip()}")


def _unmount_at(fd: int) -> None:
    """Detach the mount `fd` is the root of (lazily: our own descriptor keeps it busy)."""
    subprocess.run(["umount", "--no-canonicalize", "--lazy", f"/proc/self/fd/{fd}"],
                   pass_fds=(fd,), capture_output=True)


@contextlib.contextmanager
def mounted(root: str, mounts: Sequence[Mount]) -> Iterator[List[str]]:
    """Mount `mounts`; unmount each one that was mounted, in reverse order, however it ends.

    SIGTERM is turned into KeyboardInterrupt while mounted, so `kill` cleans up like Ctrl-C.
    """
    done: List[str] = []
    held: List[Tuple[Optional[int], str]] = []
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for mount in mounts:
            try:
                fd = _open_target(root, mount)
            except OSError as exc:
                raise MountError(f"mount {' '.join(mount.argv)} {mount.target}: "
                                 f"{exc.strerror or exc}") from None
            try:
                _mount_at(fd, mount.argv, mount.target)
            finally:
                os.close(fd)
            done.append(mount.target)
            try:
                fd = _open_target(root, mount)  # now the mount's own root
            except OSError:  # moved away this instant: undone by its name, then stop
                held.append((None, mount.target))
                raise MountError(f"{mount.target} changed while being mounted") from None
            held.append((fd, mount.target))
            if mount.read_only:
                _mount_at(fd, ["-o", "remount,bind,ro"], mount.target)
        yield done
    finally:
        with _signals_held():
            for fd, target in reversed(held):
                if fd is None:
                    subprocess.run(["umount", "--lazy", target], capture_output=True)
                    continue
                _unmount_at(fd)
                os.close(fd)
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
