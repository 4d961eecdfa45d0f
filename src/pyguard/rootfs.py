"""A read-only view of a root filesystem that no symlink, and no swap of one, can escape.

pyguard examines systems it must not trust: a rescue disk mounted at /mnt, or the host itself,
where ordinary users own parts of the tree and may change them while pyguard reads. Every path
the checks see is a path *inside* the examined root ("/usr/bin/python3"). Symlinks are resolved
by hand, one component at a time, the way the examined system itself would resolve them after a
chroot: an absolute target restarts at the root, ".." never climbs above it.

Nothing is ever opened by a host path string. Each directory is opened once, O_PATH|O_NOFOLLOW,
relative to its parent's descriptor (the root's own first), and links are read with readlinkat
on that descriptor; a file is opened relative to its directory's descriptor with O_NOFOLLOW and
O_NONBLOCK and checked with fstat. A directory swapped for a symlink after it was resolved is
therefore either the directory already held open or an error, never the link's target.
(openat2's RESOLVE_IN_ROOT would do the same walk in the kernel; with the descriptors cached per
directory a read is one openat already, so the portable walk is all there is.)
"""

from __future__ import annotations

import _thread
import errno
import os
import stat
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple, Union

from . import journal as _journal

MAX_SYMLINKS = 40  # as Linux's own limit for one lookup
MAX_PATH = 4096
"""Longest resolved path looked up (Linux's PATH_MAX): nothing on the system opens a longer one."""
MAX_STEPS = 4096
"""Components one lookup may walk, its links' included: a user's links may name thousands."""
REMEMBERED = 512
"""Longest directory path whose resolution is remembered: deeper ones (a user's, made to cost)
are walked again rather than filling memory with every prefix of every long path."""
DEFAULT_READ_LIMIT = 32 * 1024 * 1024

_DIR = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_LIST = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC  # "." relative to the directory's own fd


@dataclass(frozen=True)
class Note:
    """Something pyguard could not read; reported, never raised."""

    code: str
    path: str
    message: str


@dataclass(frozen=True)
class LinkStep:
    """One symlink on the way from a path to what it finally names."""

    path: str
    """The symlink, as a path inside the root."""
    target: str
    """What the link says, verbatim (readlink)."""


@dataclass(frozen=True)
class Chain:
    """A path followed link by link to its end."""

    steps: Tuple[LinkStep, ...]
    final: str
    """The path inside the root where the chain ends."""
    kind: str
    """What is at `final`: file, dir, missing, loop, other, unreadable."""


@dataclass(frozen=True)
class Control:
    """Who besides root can change what a path names: its own owner and every directory on the way
    (symlinks on the way and their targets' directories included).

    pyguard acts as root on paths that files of the examined system name; a path that a user can
    redirect or replace is hers, and data she wrote may only name paths that are hers alone.
    """

    uids: FrozenSet[int]
    """Non-root uids owning the path or any directory or symlink on the way."""
    anyone: bool
    """A directory on the way is writable by a non-root group or by others without the sticky bit
    (or the path is missing in a sticky one, where anyone may create it): no single user."""

    @property
    def root_only(self) -> bool:
        """Only root can change it."""
        return not self.uids and not self.anyone

    @property
    def user(self) -> Optional[int]:
        """The one non-root uid that controls it, if exactly one does and nobody else can."""
        if self.anyone or len(self.uids) != 1:
            return None
        return next(iter(self.uids))


ROOT_CONTROL = Control(frozenset(), False)


@dataclass(frozen=True)
class _DirControl:
    """Who can change which entries a resolved directory holds (its own owner included)."""

    resolved: Optional[str]
    """The symlink-free inside path; None when the directory is missing or not a directory."""
    uids: FrozenSet[int]
    anyone: bool
    sticky_open: bool
    """Writable by others but sticky: an entry is controlled by its owner; a missing name by anyone."""


class SymlinkLoop(Exception):
    pass


class TooLong(SymlinkLoop):
    """A lookup past MAX_PATH or MAX_STEPS: named nothing pyguard may act on, as a loop."""


class _TooLarge(Exception):
    pass


def _split(path: str) -> List[str]:
    return [part for part in path.split("/") if part and part != "."]


def _join(parts: List[str]) -> str:
    return "/" + "/".join(parts)


def _as_directory(resolved: str, uids: FrozenSet[int], anyone: bool,
                  st: Optional[os.stat_result]) -> _DirControl:
    """A resolved directory's control: who may add, remove or replace its entries.

    Group write counts whatever the group: a group root's members are not root (images run
    arbitrary uids in group 0), and a POSIX ACL's mask shows as the group bits, so any named
    user or group an ACL lets write shows here too.
    """
    if st is None or not stat.S_ISDIR(st.st_mode):
        return _DirControl(None, uids, anyone, False)
    writable = bool(st.st_mode & (stat.S_IWOTH | stat.S_IWGRP))
    sticky = bool(st.st_mode & stat.S_ISVTX)
    return _DirControl(resolved, uids, anyone or (writable and not sticky), writable and sticky)


def _fd_budget() -> int:
    """How many directory descriptors one RootFS keeps open: an eighth of the open-file limit."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            soft = 1 << 16
    except (ImportError, OSError, ValueError):
        soft = 1024
    return max(16, min(4096, soft // 8))


def _parent(resolved: str) -> Tuple[str, Optional[str]]:
    """(parent directory, final name) of a resolved path; the root has no name."""
    if resolved == "/":
        return "/", None
    parent, _, name = resolved.rpartition("/")
    return parent or "/", name


def _plain(name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..")


StatOrError = Union[os.stat_result, OSError]


class RootFS:
    """Read files of the system below `root`, never outside it."""

    def __init__(self, root: str = "/") -> None:
        self.root = os.path.realpath(root)
        self.notes: List[Note] = []
        self._noted: set = set()
        self._dirs: Dict[str, str] = {}
        self._steps_left = MAX_STEPS
        self._control_dirs: Dict[str, _DirControl] = {}
        self._fds: "OrderedDict[str, int]" = OrderedDict()
        """Resolved directory -> its O_PATH descriptor, least recently used first."""
        self._root_fd = -1
        self._max_fds = _fd_budget()
        self._lock = _thread.allocate_lock()
        """Held while a cached descriptor is in use: another thread's lookup may evict it."""
        self.journal = _journal.recording()
        """Where what is read is written down (pyguard.journal), when a run keeps one."""

    def close(self) -> None:
        """Close the directory descriptors held (they are reopened if the RootFS is used again)."""
        with self._lock:
            fds = list(self._fds.values()) + ([self._root_fd] if self._root_fd >= 0 else [])
            self._fds.clear()
            self._root_fd = -1
        for fd in fds:
            os.close(fd)

    def __enter__(self) -> "RootFS":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    # -- descriptors (call with self._lock held) ---------------------------------------------

    def _dir_fd(self, resolved: str) -> int:
        """The O_PATH descriptor of a resolved directory, opened component by component from the
        root's, each with O_NOFOLLOW: a component that is no longer a directory is an error."""
        if resolved == "/":
            if self._root_fd < 0:
                self._root_fd = os.open(self.root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            return self._root_fd
        fds = self._fds
        fd = fds.get(resolved)
        if fd is not None:
            fds.move_to_end(resolved)
            return fd
        names: List[str] = []  # below the nearest directory held: opened in order, no recursion
        parent = resolved
        while parent != "/" and (parent == resolved or parent not in fds):
            parent, name = _parent(parent)
            if name in ("", ".", ".."):  # never from resolve(); never climb above the root
                raise OSError(errno.EINVAL, "not a resolved path", resolved)
            names.append(name)
        fd = self._dir_fd(parent)
        for name in reversed(names):
            fd = os.open(name, _DIR, dir_fd=fd)
            parent = parent.rstrip("/") + "/" + name
            fds[parent] = fd
            if len(fds) > self._max_fds:
                os.close(fds.popitem(last=False)[1])
        return fd

    def _lstat_resolved(self, resolved: str) -> os.stat_result:
        parent, _, name = resolved.rpartition("/")
        try:
            with self._lock:
                fd = self._dir_fd(parent or "/")
                st = os.fstat(fd) if not name else os.stat(name, dir_fd=fd, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            self._saw(resolved, None)
            raise
        except OSError as exc:
            self._doubt(resolved, exc)
            raise
        self._saw(resolved, _journal.status(st))
        return st

    def _readlink_resolved(self, resolved: str) -> Optional[str]:
        """A link's target; None when it is not a link or cannot be read."""
        parent, _, name = resolved.rpartition("/")
        if not name:
            return None
        try:
            with self._lock:
                target = os.readlink(name, dir_fd=self._dir_fd(parent or "/"))
        except (FileNotFoundError, NotADirectoryError):
            self._saw(resolved, None)
            return None
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                self._saw(resolved, _journal.NOT_LINK)
            else:
                self._doubt(resolved, exc)
            return None
        self._saw(resolved, ("link", target))
        return target

    def _saw(self, resolved: str, fingerprint: object) -> None:
        if self.journal is not None:
            self.journal.saw(resolved, fingerprint)

    def _doubt(self, resolved: str, exc: OSError) -> None:
        if self.journal is not None:
            self.journal.doubt(f"{resolved}: {exc.strerror or exc}")

    def _saw_open(self, resolved: str, fd: int) -> None:
        """What a descriptor just opened for `resolved` (a file to read, a directory to list) is."""
        if self.journal is not None:
            self.journal.saw(resolved, _journal.status(os.fstat(fd)))

    def _open_resolved(self, resolved: str, flags: int) -> int:
        parent, name = _parent(resolved)
        with self._lock:
            fd = self._dir_fd(parent)
            return os.open(name or ".", flags, dir_fd=fd)

    def _open_listing(self, resolved: str) -> int:
        """A readable descriptor of a resolved directory, for listing it: relative to its own
        descriptor if one is held, else to its parent's (scans list thousands of directories
        once each, which need not crowd the cache)."""
        with self._lock:
            fd = self._fds.get(resolved)
            if fd is not None or resolved == "/":
                fd = os.open(".", _LIST, dir_fd=self._dir_fd(resolved))
            else:
                parent, name = _parent(resolved)
                fd = os.open(name, _LIST | os.O_NOFOLLOW, dir_fd=self._dir_fd(parent))
        try:
            self._saw_open(resolved, fd)
        except OSError:
            os.close(fd)
            raise
        return fd

    def open_dir(self, path: str) -> int:
        """A new O_PATH descriptor of the directory `path` names (symlinks followed inside the
        root), for the caller to work relative to and close; raises OSError."""
        resolved = self.resolve(path)
        if resolved is None:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
        if self.journal is not None:  # what the caller does with it is out of sight
            self.journal.doubt(f"{path}: a descriptor was handed out")
        with self._lock:
            return os.dup(self._dir_fd(resolved))

    def open_parent(self, path: str) -> Tuple[int, str]:
        """(a new O_PATH descriptor of the directory holding `path`, the final name), the final
        name not followed: for creating, replacing or removing exactly that entry, which no
        later swap of a parent can move elsewhere. Raises OSError.

        As systemd's CHASE_SAFE: a way that a user controls may not lead where she does not
        (her `x -> /etc` in her home): whoever could steer the way must control where it ends,
        else EPERM. Undo restoring her file, or the store keeping it, then cannot be sent into
        root's tree however she rearranges hers."""
        resolved = self.resolve(path, follow_last=False)
        if resolved is None:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
        parent, name = _parent(resolved)
        if name is None:
            raise OSError(errno.EISDIR, "the root itself has no parent", path)
        if self.journal is not None:  # what the caller does with it is out of sight
            self.journal.doubt(f"{path}: a descriptor was handed out")
        way = self.control(path.rstrip("/").rsplit("/", 1)[0] or "/")
        end = self.control(parent)
        if not way.uids <= end.uids:
            raise OSError(errno.EPERM, "a link a user controls leads out of what she controls",
                          path)
        with self._lock:
            return os.dup(self._dir_fd(parent)), name

    # -- path resolution ---------------------------------------------------------------------

    def host_path(self, inside: str) -> str:
        """The host path of an already resolved inside path: for messages and for tools that
        take a path; pyguard's own reads go through descriptors."""
        if self.root == "/":
            return _join(_split(inside))
        return self.root + _join(_split(inside))

    def _resolve(self, path: str, follow_last: bool, depth: int = 0) -> str:
        """The symlink-free inside path that `path` names.

        Directories on the way are resolved once per run and remembered: the examined system
        does not change while pyguard reads it, and dpkg's info directory alone has thousands
        of files below the same parents. (Should it change anyway, the descriptor opened for a
        remembered directory is that directory or nothing: see _dir_fd.) Missing components are
        kept as they are, so the result then names a missing path.
        """
        if len(path) > 2 * MAX_PATH:  # a link's relative target after its directory at most
            raise TooLong(path[:MAX_PATH])
        parts = _split(path)
        if not parts:
            return "/"
        parent = self._resolve_dir(parts, depth)
        return self._resolve_step(parent, parts[-1], follow_last, depth)

    def _resolve_step(self, parent: str, name: str, follow_last: bool, depth: int) -> str:
        """The inside path of `name` in the resolved directory `parent`."""
        self._steps_left -= 1
        if self._steps_left < 0:
            raise TooLong(parent)
        if name == "..":
            return parent.rsplit("/", 1)[0] or "/"
        candidate = parent.rstrip("/") + "/" + name
        if len(candidate) > MAX_PATH:
            raise TooLong(candidate[:MAX_PATH])
        if not follow_last:
            return candidate
        target = self._readlink_resolved(candidate)
        if target is None:
            return candidate
        if depth >= MAX_SYMLINKS:
            raise SymlinkLoop(candidate)
        if not target.startswith("/"):
            target = parent.rstrip("/") + "/" + target
        return self._resolve(target, True, depth + 1)

    def _resolve_dir(self, parts: List[str], depth: int) -> str:
        """The resolved directory holding parts[-1], walked one component at a time from the
        nearest remembered one: a user's link may name thousands of components (`../` 1,300
        times), which a call per component would turn into a RecursionError."""
        known = self._dirs.get(_join(parts[:-1]))
        if known is not None:
            return known
        current, key = "/", ""
        for name in parts[:-1]:
            key += "/" + name
            known = self._dirs.get(key)
            if known is None:
                known = self._resolve_step(current, name, True, depth)
                if len(key) <= REMEMBERED:
                    self._dirs[key] = known
            current = known
        return current

    def resolve(self, path: str, follow_last: bool = True) -> Optional[str]:
        """The inside path that `path` names once symlinks are followed; None on a loop."""
        self._steps_left = MAX_STEPS
        if "\0" in path:  # from a file's text (a RECORD row): names nothing
            self.note("bad-path", path, "has a NUL byte, which no file name can")
            return None
        try:
            return self._resolve(path, follow_last)
        except TooLong:
            self.note("too-long", path, f"longer than {MAX_PATH} bytes or {MAX_STEPS} components, "
                      "links followed")
            return None
        except SymlinkLoop:
            self.note("symlink-loop", path, "too many levels of symbolic links")
            return None

    def chain(self, path: str) -> Chain:
        """Follow `path` one symlink at a time, recording each step (for /usr/bin/python3)."""
        steps: List[LinkStep] = []
        seen = set()
        current = path
        while True:
            parent = self.resolve(current, follow_last=False)
            if parent is None:
                return Chain(tuple(steps), current, "loop")
            current = parent
            if current in seen or len(steps) > MAX_SYMLINKS:
                return Chain(tuple(steps), current, "loop")
            seen.add(current)
            try:
                st = self._lstat_resolved(current)
            except (FileNotFoundError, NotADirectoryError):
                return Chain(tuple(steps), current, "missing")
            except OSError as exc:
                self.note("unreadable", current, exc.strerror or str(exc))
                return Chain(tuple(steps), current, "unreadable")
            if not stat.S_ISLNK(st.st_mode):
                return Chain(tuple(steps), current, _kind(st.st_mode))
            target = self._readlink_resolved(current)
            if target is None:  # no longer a link: it changed while being read
                return Chain(tuple(steps), current, "unreadable")
            steps.append(LinkStep(current, target))
            base = current.rsplit("/", 1)[0] or "/"
            current = target if target.startswith("/") else base.rstrip("/") + "/" + target
            current = _join(_normalise(_split(current)))

    # -- ownership ---------------------------------------------------------------------------

    def control(self, path: str) -> Control:
        """Who besides root can change what `path` names (a final symlink is not followed).

        A path that loops, runs past MAX_PATH or MAX_STEPS, or holds a NUL byte, names nothing
        anyone can be held to: it counts as `anyone`.
        """
        self._steps_left = MAX_STEPS
        try:
            if "\0" in path:
                raise SymlinkLoop(path)
            _, uids, anyone, _ = self._control(path, False, 0)
        except SymlinkLoop:
            return Control(frozenset(), True)
        return Control(uids, anyone) if uids or anyone else ROOT_CONTROL

    def _lstat_or_none(self, resolved: str) -> Optional[os.stat_result]:
        try:
            return self._lstat_resolved(resolved)
        except OSError:
            return None

    def _control(self, path: str, follow_last: bool,
                 depth: int) -> Tuple[str, FrozenSet[int], bool, Optional[os.stat_result]]:
        """(resolved inside path, uids, anyone, lstat of what it resolved to or None)."""
        if len(path) > 2 * MAX_PATH:
            raise TooLong(path[:MAX_PATH])
        parts = _split(path)
        if not parts:
            st = self._lstat_or_none("/")
            uids = frozenset([st.st_uid]) if st is not None and st.st_uid != 0 else frozenset()
            return "/", uids, False, st
        parent = self._directory_control(parts, depth)
        return self._control_step(parent, _join(parts), parts[-1], follow_last, depth)

    def _control_step(self, parent: _DirControl, path: str, name: str, follow_last: bool,
                      depth: int) -> Tuple[str, FrozenSet[int], bool, Optional[os.stat_result]]:
        """_control of `path`, whose last component `name` is in the directory `parent`."""
        self._steps_left -= 1
        if self._steps_left < 0 or len(path) > 2 * MAX_PATH:
            raise TooLong(path[:MAX_PATH])
        if parent.resolved is None:  # below something missing: as the missing name itself
            if len(path) > MAX_PATH:
                raise TooLong(path[:MAX_PATH])
            return (path, parent.uids, parent.anyone or parent.sticky_open, None)
        if name == "..":  # the walk to the parent went through the grandparent: all counted
            up = parent.resolved.rsplit("/", 1)[0] or "/"
            return up, parent.uids, parent.anyone, self._lstat_or_none(up)
        candidate = parent.resolved.rstrip("/") + "/" + name
        if len(candidate) > MAX_PATH:
            raise TooLong(candidate[:MAX_PATH])
        st = self._lstat_or_none(candidate)
        if st is None:
            return candidate, parent.uids, parent.anyone or parent.sticky_open, None
        uids = parent.uids | {st.st_uid} if st.st_uid != 0 else parent.uids
        if not (follow_last and stat.S_ISLNK(st.st_mode)):
            return candidate, uids, parent.anyone, st
        if depth >= MAX_SYMLINKS:
            raise SymlinkLoop(path)
        target = self._readlink_resolved(candidate)
        if target is None:
            return candidate, uids, parent.anyone, None
        if not target.startswith("/"):
            target = parent.resolved.rstrip("/") + "/" + target
        final, more, anyone, st = self._control(target, True, depth + 1)
        return final, uids | more, parent.anyone or anyone, st

    def _directory_control(self, parts: List[str], depth: int) -> _DirControl:
        """Who controls the directory holding parts[-1]; walked one component at a time from
        the nearest remembered one, as _resolve_dir."""
        known = self._control_dirs.get(_join(parts[:-1]))
        if known is not None:
            return known
        current = self._control_dirs.get("/")
        if current is None:
            current = self._control_dirs["/"] = _as_directory(*self._control("/", True, depth))
        key = ""
        for name in parts[:-1]:
            key += "/" + name
            known = self._control_dirs.get(key)
            if known is None:
                known = _as_directory(*self._control_step(current, key, name, True, depth))
                if len(key) <= REMEMBERED:
                    self._control_dirs[key] = known
            current = known
        return current

    # -- metadata ----------------------------------------------------------------------------

    def lstat(self, path: str) -> Optional[os.stat_result]:
        """Status of `path` itself (a symlink is not followed); None when absent."""
        return self._stat(path, follow_last=False)

    def stat(self, path: str) -> Optional[os.stat_result]:
        """Status of what `path` names, symlinks followed inside the root; None when absent."""
        return self._stat(path, follow_last=True)

    def _stat(self, path: str, follow_last: bool) -> Optional[os.stat_result]:
        resolved = self.resolve(path, follow_last)
        if resolved is None:
            return None
        try:
            return self._lstat_resolved(resolved)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return None

    def lstat_in(self, resolved_dir: str, name: str) -> os.stat_result:
        """lstat of the entry `name` (a plain name) of a directory as resolve() returned it,
        raising OSError: for scans of thousands of files in a few directories, each directory
        opened once (a path that is not resolved fails: it is walked with O_NOFOLLOW)."""
        if "/" in name or name in ("", ".", ".."):
            raise OSError(errno.EINVAL, "not a plain name", name)
        if self.journal is not None:
            return self._lstat_resolved(resolved_dir.rstrip("/") + "/" + name)
        with self._lock:
            return os.stat(name, dir_fd=self._dir_fd(resolved_dir), follow_symlinks=False)

    def lstat_names(self, resolved_dir: str, names: Iterable[str]) -> List[Tuple[str, StatOrError]]:
        """lstat_in of each of `names`: its resolved path and the status or the OSError it
        raised, in order. The directory is looked up once and the lock taken once for the
        thousands of files the verification looks at (most of a warm examination's reading)."""
        prefix = resolved_dir.rstrip("/") + "/"
        saw = self.journal.saw if self.journal is not None else None
        status, lstat = _journal.status, os.stat
        out: List[Tuple[str, StatOrError]] = []
        with self._lock:
            try:
                fd = self._dir_fd(resolved_dir)
            except OSError as exc:
                fd, failed = -1, exc
            for name in names:
                path = prefix + name
                try:
                    if fd < 0:
                        raise failed
                    if "/" in name or name in ("", ".", ".."):
                        raise OSError(errno.EINVAL, "not a plain name", name)
                    st = lstat(name, dir_fd=fd, follow_symlinks=False)
                except (FileNotFoundError, NotADirectoryError) as exc:
                    if saw is not None:
                        saw(path, None)
                    out.append((path, exc))
                    continue
                except OSError as exc:
                    self._doubt(path, exc)
                    out.append((path, exc))
                    continue
                if saw is not None:
                    saw(path, status(st))
                out.append((path, st))
        return out

    def open_in(self, resolved_dir: str, name: str) -> int:
        """A descriptor of the regular file `name` of a directory as resolve() returned it (not
        followed if a link), opened O_NONBLOCK and checked with fstat; raises OSError (EINVAL:
        not a regular file, or not a plain name)."""
        if "/" in name or name in ("", ".", ".."):
            raise OSError(errno.EINVAL, "not a plain name", name)
        path = resolved_dir.rstrip("/") + "/" + name
        try:
            with self._lock:
                fd = os.open(name, _READ, dir_fd=self._dir_fd(resolved_dir))
        except (FileNotFoundError, NotADirectoryError):
            self._saw(path, None)
            raise
        except OSError as exc:
            self._doubt(path, exc)
            raise
        try:
            st = os.fstat(fd)
            self._saw(path, _journal.status(st))
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", name)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def exists(self, path: str) -> bool:
        return self.stat(path) is not None

    def is_file(self, path: str) -> bool:
        st = self.stat(path)
        return st is not None and stat.S_ISREG(st.st_mode)

    def is_dir(self, path: str) -> bool:
        st = self.stat(path)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def is_symlink(self, path: str) -> bool:
        st = self.lstat(path)
        return st is not None and stat.S_ISLNK(st.st_mode)

    def readlink(self, path: str) -> Optional[str]:
        resolved = self.resolve(path, follow_last=False)
        if resolved is None:
            return None
        return self._readlink_resolved(resolved)

    # -- contents ----------------------------------------------------------------------------

    def _listing(self, path: str, resolved: Optional[str] = None) -> Optional[int]:
        """A readable descriptor of the directory `path` names (`resolved`: the path resolve()
        gives for it, when the caller knows it); None if absent (or noted)."""
        told = resolved is not None
        if resolved is None:
            resolved = self.resolve(path)
        if resolved is None:
            return None
        try:
            return self._open_listing(resolved)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP and told:
                return None  # a link now, where a directory was listed: not followed
            self.note("unreadable", path, exc.strerror or str(exc))
            return None

    def listdir(self, path: str) -> List[str]:
        """Sorted entry names of a directory; empty when it is absent or unreadable."""
        fd = self._listing(path)
        if fd is None:
            return []
        try:
            return sorted(os.listdir(fd))
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return []
        finally:
            os.close(fd)

    def entries(self, path: str, resolved: bool = False) -> List[Tuple[str, str]]:
        """Sorted (name, kind) of a directory's entries, kind as the directory entry tells it
        (dir, link, file or other) without a stat per entry: for scans of many directories.

        `resolved`: `path` is one resolve() gave, or the child a listing showed as a "dir" of
        one: no link on the way is looked for (its last part is opened O_NOFOLLOW anyway).
        """
        fd = self._listing(path, _join(_split(path)) if resolved else None)
        if fd is None:
            return []
        out = []
        try:
            with os.scandir(fd) as it:
                for entry in it:
                    if entry.is_symlink():
                        kind = "link"
                    elif entry.is_dir(follow_symlinks=False):
                        kind = "dir"
                    elif entry.is_file(follow_symlinks=False):
                        kind = "file"
                    else:
                        kind = "other"
                    out.append((entry.name, kind))
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return []
        finally:
            os.close(fd)
        return sorted(out)

    def walk(self, path: str, max_depth: int = 64) -> Iterator[str]:
        """Every path below `path` (not following symlinked directories), depth-first."""
        for name in self.listdir(path):
            child = path.rstrip("/") + "/" + name
            yield child
            st = self.lstat(child)
            if st is not None and stat.S_ISDIR(st.st_mode) and max_depth > 0:
                yield from self.walk(child, max_depth - 1)

    def _open_regular(self, path: str, limit: int) -> Optional[int]:
        """An fd of the regular file `path` names, opened relative to its directory's
        descriptor with O_NOFOLLOW; None if absent, not a regular file, unreadable or larger
        than `limit` (those last two are noted)."""
        resolved = self.resolve(path, follow_last=False)
        if resolved is None:
            return None
        try:
            try:
                fd = self._open_resolved(resolved, _READ)
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                resolved = self.resolve(path)  # a link: follow it inside the root, then open
                if resolved is None:
                    return None
                fd = self._open_resolved(resolved, _READ)
        except (FileNotFoundError, NotADirectoryError):
            self._saw(resolved, None)
            return None
        except OSError as exc:
            self._doubt(resolved, exc)
            if exc.errno == errno.ELOOP:  # replaced by a symlink since we resolved it
                self.note("unreadable", path, "changed while being read")
            else:
                self.note("unreadable", path, exc.strerror or str(exc))
            return None
        try:
            st = os.fstat(fd)
            self._saw(resolved, _journal.status(st))
            if not stat.S_ISREG(st.st_mode):
                os.close(fd)
                return None
            if st.st_size > limit:
                self.note("too-large", path, f"{st.st_size} bytes, more than the {limit} read")
                os.close(fd)
                return None
        except OSError as exc:
            os.close(fd)
            self.note("unreadable", path, exc.strerror or str(exc))
            return None
        return fd

    def _chunks(self, fd: int, path: str, limit: int) -> Iterator[bytes]:
        """The file's bytes in chunks; raises _TooLarge if it grows past `limit` meanwhile."""
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)
            if remaining <= 0:
                self.note("too-large", path, f"grew past {limit} bytes while being read")
                raise _TooLarge(path)
            yield chunk

    def read_bytes(self, path: str, limit: int = DEFAULT_READ_LIMIT) -> Optional[bytes]:
        """The contents of a regular file, or None (absent, not a file, unreadable).

        A file larger than `limit` is noted and not read: nothing pyguard reads is that large
        on a healthy system, and reading a multi-gigabyte file by mistake must not hang it.
        """
        fd = self._open_regular(path, limit)
        if fd is None:
            return None
        try:
            return b"".join(self._chunks(fd, path, limit))
        except _TooLarge:
            return None
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return None
        finally:
            os.close(fd)

    def digest(self, path: str, algorithm: str = "md5", limit: int = 1 << 30) -> Optional[str]:
        """Hex digest of a regular file, hashed as it streams in; None as for read_bytes."""
        import hashlib

        fd = self._open_regular(path, limit)
        if fd is None:
            return None
        try:
            hasher = hashlib.new(algorithm)
            for chunk in self._chunks(fd, path, limit):
                hasher.update(chunk)
            return hasher.hexdigest()
        except _TooLarge:
            return None
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return None
        finally:
            os.close(fd)

    def read_many(self, directory: str, names: Iterable[str],
                  limit: int = DEFAULT_READ_LIMIT) -> Iterator[Tuple[str, Optional[bytes]]]:
        """(name, bytes) of each regular file `name` in one directory; None as for read_bytes.

        dpkg's info directory holds thousands of files: the directory is resolved once and each
        file opened relative to it, O_NOFOLLOW, which is a third of read_bytes' cost per file.
        """
        resolved = self.resolve(directory)
        try:
            if resolved is None:
                raise FileNotFoundError(directory)
            with self._lock:  # a descriptor of our own: the cache may evict its copy meanwhile
                dir_fd = os.dup(self._dir_fd(resolved))
        except OSError as exc:
            if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
                self._doubt(directory, exc)
            for name in names:
                yield name, None
            return
        try:
            for name in names:
                path = directory.rstrip("/") + "/" + name
                if not _plain(name):
                    yield name, self.read_bytes(path, limit)
                    continue
                try:
                    fd = os.open(name, _READ, dir_fd=dir_fd)
                except (FileNotFoundError, NotADirectoryError):
                    self._saw(resolved.rstrip("/") + "/" + name, None)
                    yield name, None
                    continue
                except OSError as exc:
                    self._doubt(path, exc)
                    self.note("unreadable", path, exc.strerror or str(exc))
                    yield name, None
                    continue
                try:
                    st = os.fstat(fd)
                    self._saw(resolved.rstrip("/") + "/" + name, _journal.status(st))
                    if not stat.S_ISREG(st.st_mode):
                        yield name, None
                        continue
                    yield name, b"".join(self._chunks(fd, path, limit))
                except _TooLarge:
                    yield name, None
                except OSError as exc:
                    self.note("unreadable", path, exc.strerror or str(exc))
                    yield name, None
                finally:
                    os.close(fd)
        finally:
            os.close(dir_fd)

    def read_text(self, path: str, limit: int = DEFAULT_READ_LIMIT) -> Optional[str]:
        """A text file decoded as UTF-8; undecodable bytes survive as surrogate escapes."""
        data = self.read_bytes(path, limit)
        return None if data is None else data.decode("utf-8", "surrogateescape")

    # -- notes -------------------------------------------------------------------------------

    def note(self, code: str, path: str, message: str) -> None:
        key = (code, path)
        if key not in self._noted:
            self._noted.add(key)
            self.notes.append(Note(code, path, message))


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    return "other"


def _normalise(parts: List[str]) -> List[str]:
    out: List[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return out
