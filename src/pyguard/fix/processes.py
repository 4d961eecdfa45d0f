"""The running processes a fix has to reckon with, seen through psutil on the host.

Before a fix: which process holds dpkg's or apt's lock in the examined root, so fix can say so
instead of letting apt fail with "Could not get lock". A lock is known by the device and inode
of its file, as /proc/locks lists them: a process chrooted into a rescue mount or an overlay
names the file by a path of its own, which may be the host's.

After a fix on `/`: which processes still map a file the fix replaced or moved aside (an
interpreter, libpython, a compiled module), as needrestart does for libraries; they run the old
code until restarted. A --root DIR has no processes of its own, and nothing is said there.

psutil is imported here only, when fix gets this far: never at start-up.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ..actions.model import MoveAside
from ..rootfs import RootFS

if TYPE_CHECKING:
    from .execute import FixRun
    from .plan import Plan

LOCKS: Tuple[str, ...] = ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock",
                          "/var/cache/apt/archives/lock", "/var/lib/apt/lists/lock")
"""dpkg's and apt's lock files, inside the root, in the order apt takes them."""
PROC_LOCKS = "/proc/locks"

FileId = Tuple[int, int, int]
"""(major, minor, inode) of a file, as /proc/locks names it."""


@dataclass(frozen=True)
class LockHolder:
    pid: int
    name: str
    """The process name, as the system reports it (a user may have chosen it)."""
    locks: Tuple[str, ...]
    """The lock files it holds, as paths inside the root."""


@dataclass(frozen=True)
class Restart:
    """A process that still runs files a fix replaced or moved aside."""

    pid: int
    name: str
    paths: Tuple[str, ...]
    """The old files it maps, by the path they had."""


# -- dpkg's and apt's locks ------------------------------------------------------------------------

def lock_holders(root: str, proc_locks: str = PROC_LOCKS) -> Tuple[LockHolder, ...]:
    """The processes holding dpkg's or apt's locks in `root`, by pid; empty when none does, or
    when the kernel's lock table cannot be read (apt then says it itself)."""
    with RootFS(root) as fs:
        files: Dict[FileId, str] = {}
        for lock in LOCKS:
            st = fs.stat(lock)
            if st is not None and stat.S_ISREG(st.st_mode):
                files.setdefault(_file_id(st), lock)
    if not files:
        return ()
    try:
        with open(proc_locks, encoding="ascii", errors="replace") as table:
            held = _held(table, files)
    except OSError:
        return ()
    if not held:
        return ()
    try:
        import psutil
    except ImportError:  # unpacked without python3-psutil: what /proc/locks and comm tell
        psutil = None
    by_pid: Dict[int, List[str]] = {}
    for file_id, pids in held.items():
        if any(pid <= 0 for pid in pids) and psutil is not None:  # an OFD lock names no process
            pids = pids | set(_opening(psutil, file_id))
        for pid in pids:
            if pid > 0:
                by_pid.setdefault(pid, []).append(files[file_id])
    holders = []
    for pid, locks in sorted(by_pid.items()):
        name = _name(psutil, pid)
        if name is not None:  # gone since: its lock went with it
            holders.append(LockHolder(pid, name, tuple(sorted(locks, key=LOCKS.index))))
    return tuple(holders)


def _file_id(st: os.stat_result) -> FileId:
    return (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)


def _held(table: Iterable[str], files: Dict[FileId, str]) -> Dict[FileId, Set[int]]:
    """Pids holding a lock on each of `files`, from /proc/locks lines such as
    "1: POSIX  ADVISORY  WRITE 1464 00:2b:1443808 0 EOF" (waiters, "1: -> POSIX ...", hold
    nothing; OFDLCK locks show pid -1)."""
    held: Dict[FileId, Set[int]] = {}
    for line in table:
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            pid = int(fields[4])
            major, minor, inode = fields[5].split(":")
            file_id = (int(major, 16), int(minor, 16), int(inode))
        except ValueError:
            continue
        if file_id in files:
            held.setdefault(file_id, set()).add(pid)
    return held


def _opening(psutil, file_id: FileId) -> List[int]:
    """Pids of the processes that have the file open (the holders of an OFD lock are among
    them), each file judged by what its descriptor leads to, not by its path."""
    pids = []
    for proc in psutil.process_iter():
        try:
            for opened in proc.open_files():
                st = _stat(f"/proc/{proc.pid}/fd/{opened.fd}")
                if st is not None and _file_id(st) == file_id:
                    pids.append(proc.pid)
                    break
        except psutil.Error:
            continue
    return pids


def _name(psutil, pid: int) -> Optional[str]:
    if psutil is None:
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
                return comm.read().strip() or "?"
        except FileNotFoundError:
            return None
        except OSError:
            return "?"
    try:
        return psutil.Process(pid).name()
    except psutil.NoSuchProcess:
        return None
    except psutil.Error:
        return "?"


def lock_message(holders: Sequence[LockHolder], root: str) -> str:
    """Why fix does not start: who holds which lock, and what to do."""
    where = "" if root == "/" else f" in {root}"
    held = "; ".join(f"process {h.pid} ({h.name}) holds {' and '.join(h.locks)}"
                     for h in holders)
    return (f"apt or dpkg is at work{where}: {held}. Let it finish (or stop it), then run "
            f"pyguard fix again; nothing changed")


# -- processes still running replaced files --------------------------------------------------------

def to_restart(root: str, plan: "Plan", run: "FixRun") -> Tuple[Restart, ...]:
    """After a fix of `/` that moved files aside or had apt unpack packages: the processes
    that still run the old files. Never fails the fix: a problem here means nothing is said."""
    if root != "/":
        return ()
    ran = {r.step.number for r in run.results}
    moved = [path for step in plan.steps if step.number in ran and isinstance(step.runs, MoveAside)
             for path in step.moves]
    packages = run.record.packages if run.record is not None else []
    if not moved and not packages:
        return ()
    try:
        return still_running(old_files(moved, files_of_packages(packages, root)))
    except Exception:
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        return ()


def still_running(old: Callable[[str], bool], own_pid: Optional[int] = None
                  ) -> Tuple[Restart, ...]:
    """Every process (but this one) that maps a file for which `old(path)` holds and that is no
    longer the file at that path: deleted, moved aside, or replaced by a new inode. Processes
    in another root (a container, a chroot) are left out: their paths name their own files."""
    import psutil

    own_pid = os.getpid() if own_pid is None else own_pid
    own_root = _stat("/")
    found = []
    for proc in psutil.process_iter():
        if proc.pid == own_pid or not _same_root(proc.pid, own_root):
            continue
        try:
            maps = proc.memory_maps(grouped=False)
            paths = sorted({m.path for m in maps
                            if m.path.startswith("/") and old(m.path)
                            and _replaced(proc.pid, m.addr, m.path)})
            if paths:
                found.append(Restart(proc.pid, proc.name(), tuple(paths)))
        except psutil.Error:  # gone, a zombie, or a kernel thread: nothing to restart
            continue
    return tuple(sorted(found, key=lambda r: r.pid))


def _same_root(pid: int, own_root: Optional[os.stat_result]) -> bool:
    root = _stat(f"/proc/{pid}/root")
    return root is not None and own_root is not None and \
        (root.st_dev, root.st_ino) == (own_root.st_dev, own_root.st_ino)


def _replaced(pid: int, addr: str, path: str) -> bool:
    """Whether the file mapped at `addr` is not (any more) the file at `path`."""
    try:
        start, end = (int(a, 16) for a in addr.split("-"))
    except ValueError:
        return False
    mapped = _stat(f"/proc/{pid}/map_files/{start:x}-{end:x}")
    if mapped is None:
        return False  # cannot tell: say nothing rather than something wrong
    now = _stat(path)
    return now is None or (now.st_dev, now.st_ino) != (mapped.st_dev, mapped.st_ino)


def _stat(path: str) -> Optional[os.stat_result]:
    try:
        return os.stat(path)
    except OSError:
        return None


def old_files(moved: Iterable[str], package_files: Iterable[str]) -> Callable[[str], bool]:
    """Whether a mapped path is one a fix replaced: below a path it moved aside, or a file of a
    package apt unpacked again. Package files are compared by their real directory, as the
    kernel names a mapped file (/lib is /usr/lib on a merged /usr)."""
    tops = tuple(p.rstrip("/") for p in moved)
    real: Dict[str, str] = {}
    replaced = set()
    for path in package_files:
        directory, _, name = path.rpartition("/")
        if directory not in real:
            real[directory] = os.path.realpath(directory or "/")
        replaced.add(os.path.join(real[directory], name))

    def old(path: str) -> bool:
        return path in replaced or any(path == t or path.startswith(t + "/") for t in tops)

    return old


def files_of_packages(packages: Iterable[str], root: str = "/") -> List[str]:
    """The files dpkg lists for packages named "NAME" or "NAME VERSION" (an undo record's
    `packages`), as info/NAME.md5sums has them."""
    from ..facts.dpkg import DpkgDatabase

    with RootFS(root) as fs:
        dpkg = DpkgDatabase(fs)
        return [path for entry in packages
                for path in dpkg.md5sums(entry.split()[0].split(":")[0])]
