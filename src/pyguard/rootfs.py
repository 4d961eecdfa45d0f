"""A read-only view of a root filesystem that no symlink can escape.

pyguard examines systems it must not trust: a rescue disk mounted at /mnt, or the host itself.
Every path the checks see is a path *inside* the examined root ("/usr/bin/python3"). Symlinks are
resolved by hand, one component at a time, the way the examined system itself would resolve them
after a chroot: an absolute target restarts at the root, ".." never climbs above it. The host path
that is finally opened has no symlink left in it, and is opened with O_NOFOLLOW.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

MAX_SYMLINKS = 40  # as Linux's own limit for one lookup
DEFAULT_READ_LIMIT = 32 * 1024 * 1024


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


class _TooLarge(Exception):
    pass


def _split(path: str) -> List[str]:
    return [part for part in path.split("/") if part and part != "."]


def _join(parts: List[str]) -> str:
    return "/" + "/".join(parts)


class RootFS:
    """Read files of the system below `root`, never outside it."""

    def __init__(self, root: str = "/") -> None:
        self.root = os.path.realpath(root)
        self.notes: List[Note] = []
        self._noted: set = set()
        self._dirs: Dict[str, str] = {}
        self._control_dirs: Dict[str, _DirControl] = {}

    # -- path resolution ---------------------------------------------------------------------

    def host_path(self, inside: str) -> str:
        """The host path of an already resolved inside path (no symlinks in it)."""
        if self.root == "/":
            return _join(_split(inside))
        return self.root + _join(_split(inside))

    def _resolve(self, path: str, follow_last: bool, depth: int = 0) -> str:
        """The symlink-free inside path that `path` names.

        Directories on the way are resolved once per run and remembered: the examined system
        does not change while pyguard reads it, and dpkg's info directory alone has thousands
        of files below the same parents. Missing components are kept as they are, so the
        result then names a missing path.
        """
        parts = _split(path)
        if not parts:
            return "/"
        parent = self._resolve_dir(_join(parts[:-1]), depth)
        name = parts[-1]
        if name == "..":
            return parent.rsplit("/", 1)[0] or "/"
        candidate = parent.rstrip("/") + "/" + name
        if not follow_last:
            return candidate
        try:
            st = os.lstat(self.host_path(candidate))
        except OSError:
            return candidate
        if not stat.S_ISLNK(st.st_mode):
            return candidate
        if depth >= MAX_SYMLINKS:
            raise SymlinkLoop(path)
        target = os.readlink(self.host_path(candidate))
        if not target.startswith("/"):
            target = parent.rstrip("/") + "/" + target
        return self._resolve(target, True, depth + 1)

    def _resolve_dir(self, path: str, depth: int) -> str:
        cached = self._dirs.get(path)
        if cached is None:
            cached = self._dirs[path] = self._resolve(path, True, depth)
        return cached

    def resolve(self, path: str, follow_last: bool = True) -> Optional[str]:
        """The inside path that `path` names once symlinks are followed; None on a loop."""
        try:
            return self._resolve(path, follow_last)
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
                st = os.lstat(self.host_path(current))
            except FileNotFoundError:
                return Chain(tuple(steps), current, "missing")
            except NotADirectoryError:
                return Chain(tuple(steps), current, "missing")
            except OSError as exc:
                self.note("unreadable", current, exc.strerror or str(exc))
                return Chain(tuple(steps), current, "unreadable")
            if not stat.S_ISLNK(st.st_mode):
                return Chain(tuple(steps), current, _kind(st.st_mode))
            target = os.readlink(self.host_path(current))
            steps.append(LinkStep(current, target))
            base = current.rsplit("/", 1)[0] or "/"
            current = target if target.startswith("/") else base.rstrip("/") + "/" + target
            current = _join(_normalise(_split(current)))

    # -- ownership ---------------------------------------------------------------------------

    def control(self, path: str) -> Control:
        """Who besides root can change what `path` names (a final symlink is not followed).

        A path that loops names nothing anyone can be held to: it counts as `anyone`.
        """
        try:
            _, uids, anyone, _ = self._control(path, False, 0)
        except SymlinkLoop:
            return Control(frozenset(), True)
        return Control(uids, anyone) if uids or anyone else ROOT_CONTROL

    def _control(self, path: str, follow_last: bool,
                 depth: int) -> Tuple[str, FrozenSet[int], bool, Optional[os.stat_result]]:
        """(resolved inside path, uids, anyone, lstat of what it resolved to or None)."""
        parts = _split(path)
        if not parts:
            try:
                st: Optional[os.stat_result] = os.lstat(self.host_path("/"))
            except OSError:
                st = None
            uids = frozenset([st.st_uid]) if st is not None and st.st_uid != 0 else frozenset()
            return "/", uids, False, st
        parent = self._directory_control(_join(parts[:-1]), depth)
        name = parts[-1]
        if parent.resolved is None:  # below something missing: as the missing name itself
            return (_join(parts), parent.uids, parent.anyone or parent.sticky_open, None)
        if name == "..":  # the walk to the parent went through the grandparent: all counted
            up = parent.resolved.rsplit("/", 1)[0] or "/"
            try:
                st = os.lstat(self.host_path(up))
            except OSError:
                st = None
            return up, parent.uids, parent.anyone, st
        candidate = parent.resolved.rstrip("/") + "/" + name
        try:
            st = os.lstat(self.host_path(candidate))
        except OSError:
            return candidate, parent.uids, parent.anyone or parent.sticky_open, None
        uids = parent.uids | {st.st_uid} if st.st_uid != 0 else parent.uids
        if not (follow_last and stat.S_ISLNK(st.st_mode)):
            return candidate, uids, parent.anyone, st
        if depth >= MAX_SYMLINKS:
            raise SymlinkLoop(path)
        try:
            target = os.readlink(self.host_path(candidate))
        except OSError:
            return candidate, uids, parent.anyone, None
        if not target.startswith("/"):
            target = parent.resolved.rstrip("/") + "/" + target
        final, more, anyone, st = self._control(target, True, depth + 1)
        return final, uids | more, parent.anyone or anyone, st

    def _directory_control(self, path: str, depth: int) -> _DirControl:
        cached = self._control_dirs.get(path)
        if cached is not None:
            return cached
        resolved, uids, anyone, st = self._control(path, True, depth)
        if st is None or not stat.S_ISDIR(st.st_mode):
            cached = _DirControl(None, uids, anyone, False)
        else:
            writable = st.st_mode & stat.S_IWOTH or (st.st_mode & stat.S_IWGRP and st.st_gid != 0)
            sticky = bool(st.st_mode & stat.S_ISVTX)
            cached = _DirControl(resolved, uids, anyone or bool(writable and not sticky),
                                 bool(writable and sticky))
        self._control_dirs[path] = cached
        return cached

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
            return os.lstat(self.host_path(resolved))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return None

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
        try:
            return os.readlink(self.host_path(resolved))
        except OSError:
            return None

    # -- contents ----------------------------------------------------------------------------

    def listdir(self, path: str) -> List[str]:
        """Sorted entry names of a directory; empty when it is absent or unreadable."""
        resolved = self.resolve(path)
        if resolved is None:
            return []
        try:
            return sorted(os.listdir(self.host_path(resolved)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return []

    def entries(self, path: str) -> List[Tuple[str, str]]:
        """Sorted (name, kind) of a directory's entries, kind as the directory entry tells it
        (dir, link, file or other) without a stat per entry: for scans of many directories."""
        resolved = self.resolve(path)
        if resolved is None:
            return []
        out = []
        try:
            with os.scandir(self.host_path(resolved)) as it:
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
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc))
            return []
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
        """An fd of the regular file `path` names, opened with no symlink left; None if absent,
        not a regular file, unreadable or larger than `limit` (those last two are noted)."""
        resolved = self.resolve(path)
        if resolved is None:
            return None
        try:
            fd = os.open(self.host_path(resolved),
                         os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # replaced by a symlink since we resolved it
                self.note("unreadable", path, "changed while being read")
            else:
                self.note("unreadable", path, exc.strerror or str(exc))
            return None
        try:
            st = os.fstat(fd)
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
            dir_fd = os.open(self.host_path(resolved or "/nonexistent"),
                             os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            for name in names:
                yield name, None
            return
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            for name in names:
                path = directory.rstrip("/") + "/" + name
                if "/" in name or name in ("", ".", ".."):
                    yield name, self.read_bytes(path, limit)
                    continue
                try:
                    fd = os.open(name, flags, dir_fd=dir_fd)
                except (FileNotFoundError, NotADirectoryError):
                    yield name, None
                    continue
                except OSError as exc:
                    self.note("unreadable", path, exc.strerror or str(exc))
                    yield name, None
                    continue
                try:
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
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
