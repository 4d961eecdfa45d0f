"""What a run learned about the files below a root, kept to tell later whether all of it holds.

A RootFS that keeps a journal writes down, for each path it looked at (as a path inside the root,
symlinks resolved), what it saw there, as a fingerprint:

- a file read, a directory listed, anything whose status was asked for: its whole status (mode,
  owner, inode, size, mtime and ctime). Writing a file's bytes changes its ctime, and touch can set
  the mtime back but never the ctime; adding, removing or renaming an entry changes its directory's
  mtime and ctime;
- a symlink followed: its target;
- a path walked through that is no link: just that;
- a path that is not there: None.

Every reading pyguard makes of a root goes through RootFS, and checks are pure functions of what
was read; so a run over a root whose every fingerprint still holds would find exactly what the
journaled run found. `holds` looks at them again, one lstat (or readlink) each.

A change made within the same tick of the file system's clock as an observation could keep its
timestamps; `trustworthy` refuses a journal holding any timestamp that close to the run's start
(as git treats a "racily clean" index entry). Nothing here reads a file: RootFS passes what it saw.
"""

from __future__ import annotations

import os
import stat
import struct
import threading
TYPE_CHECKING = False
if TYPE_CHECKING:  # typing's import is a tenth of a kept hook run; annotations are strings
    from typing import Dict, Mapping, Optional, Tuple

NOT_LINK = 0
"""Fingerprint of a path walked through (or asked to readlink) that is there but no symlink."""
RACY_NS = 1_000_000_000
"""A timestamp this close to (or after) the run's start may share its clock tick with a change
made later (ext4 and tmpfs stamp with a jiffy-grained clock, some file systems by the second)."""

Fingerprint = object
"""None (absent), NOT_LINK, ("link", target) or the packed status of `status` (a link's with
its target after it, as the file system's bytes)."""

_local = threading.local()


STATUS_FIELDS = ("mode", "uid", "gid", "ino", "dev", "size", "mtime_ns", "ctime_ns", "nlink")
"""What `status` keeps of a stat result; a symlink's fingerprint adds its target."""
_STATUS = struct.Struct("=IIIQQqqqQ")
"""The fields packed: 60 bytes where a tuple of their ints takes 300 (a run notes thousands)."""
WIDTH = _STATUS.size
_TIMES = struct.Struct("=qq")
_TIMES_AT = struct.calcsize("=IIIQQq")
"""mtime_ns and ctime_ns, where they are in a packed status."""
_pack = _STATUS.pack


def status(st: os.stat_result) -> bytes:
    """The fingerprint of a status: what a change of contents, type, owner or place changes."""
    return _pack(st.st_mode, st.st_uid, st.st_gid, st.st_ino, st.st_dev, st.st_size,
                 st.st_mtime_ns, st.st_ctime_ns, st.st_nlink)


def fields(fingerprint: bytes) -> Tuple[int, ...]:
    """The STATUS_FIELDS of a packed status."""
    return _STATUS.unpack_from(fingerprint)


class Journal:
    """The fingerprints of one run, by path inside the root; host files (outside any root) apart."""

    def __init__(self) -> None:
        self.seen: Dict[str, Fingerprint] = {}
        self.host: Dict[str, Fingerprint] = {}
        self.unsure = ""
        """Why the run cannot be judged by its fingerprints (empty when it can)."""

    def saw(self, path: str, fingerprint: Fingerprint) -> None:
        """Record what `path` was; fingerprints that say more of the same thing are merged (a
        link's status and its target), two that disagree (the path changed while the run read
        it) make the journal unsure."""
        before = self.seen.get(path, self)
        if before is self or before == fingerprint:
            self.seen[path] = fingerprint
            return
        merged = _merge(before, fingerprint)
        if merged is None:
            self.doubt(f"{path} changed while it was read")
        else:
            self.seen[path] = merged

    def saw_host(self, path: str, seen: "os.stat_result | OSError") -> None:
        """Record a file outside the root that the run read (a snapshot in pyguard's state):
        the status of the descriptor it was read from, or why it could not be opened."""
        if isinstance(seen, (FileNotFoundError, NotADirectoryError)):
            fingerprint: Fingerprint = None
        elif isinstance(seen, OSError):
            self.doubt(f"{path}: {seen.strerror or seen}")
            return
        else:
            fingerprint = status(seen)
        if self.host.get(path, fingerprint) != fingerprint:
            self.doubt(f"{path} changed while it was read")
        self.host[path] = fingerprint

    def take(self, grouped: Mapping[str, Mapping[str, Fingerprint]],
             host: Mapping[str, Fingerprint], unsure: str = "") -> None:
        """Add what another journal saw (a kept fact's reading, as `grouped` gives it)."""
        for parent, names in grouped.items():
            prefix = parent.rstrip("/") + "/"
            for name, fingerprint in names.items():
                self.saw(prefix + name if name else parent, fingerprint)
        for path, fingerprint in host.items():
            if self.host.get(path, fingerprint) != fingerprint:
                self.doubt(f"{path} changed while it was read")
            self.host[path] = fingerprint
        if unsure:
            self.doubt(unsure)

    def doubt(self, why: str) -> None:
        if not self.unsure:
            self.unsure = why

    def trustworthy(self, started_ns: int) -> bool:
        """Whether the fingerprints can tell every later change: the run doubted nothing and no
        timestamp it saw is within RACY_NS of its start (nor after it)."""
        if self.unsure:
            return False
        limit = started_ns - RACY_NS
        for fingerprints in (self.seen.values(), self.host.values()):
            for fingerprint in fingerprints:
                if fingerprint.__class__ is bytes and max(
                        _TIMES.unpack_from(fingerprint, _TIMES_AT)) >= limit:
                    return False
        return True

    def grouped(self) -> Dict[str, Dict[str, Fingerprint]]:
        """The fingerprints by directory, then name: how `holds` reads them, and how they keep."""
        out: Dict[str, Dict[str, Fingerprint]] = {}
        for path, fingerprint in self.seen.items():
            parent, _, name = path.rpartition("/")
            out.setdefault(parent or "/", {})[name] = fingerprint
        return out


def _merge(one: Fingerprint, other: Fingerprint) -> Optional[Fingerprint]:
    """One fingerprint saying what both say, or None when they disagree."""
    for a, b in ((one, other), (other, one)):
        if a.__class__ is bytes:
            status_part = a[:WIDTH]
            link = stat.S_ISLNK(fields(a)[0])
            if b == NOT_LINK and not link:
                return a
            if b.__class__ is tuple and len(b) == 2 and link:  # ("link", target)
                target = os.fsencode(b[1])
                return status_part + target if a[WIDTH:] in (b"", target) else None
            if b.__class__ is bytes and b[:WIDTH] == status_part:
                return a if len(a) >= len(b) else b
    return None


def recording() -> Optional[Journal]:
    """The journal RootFS objects made now (in this thread) keep, if one is being kept."""
    return getattr(_local, "journal", None)


class keeping:
    """`with keeping() as journal:` every RootFS made inside keeps `journal`."""

    def __init__(self) -> None:
        self.journal = Journal()

    def __enter__(self) -> Journal:
        self.previous = recording()
        _local.journal = self.journal
        return self.journal

    def __exit__(self, *exc) -> None:
        _local.journal = self.previous


def host_read(path: str, seen: "os.stat_result | OSError") -> None:
    """Note in the journal being kept, if any, a host file read outside any RootFS."""
    journal = recording()
    if journal is not None:
        journal.saw_host(path, seen)


_DIR = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def holds(root: str, grouped: Mapping[str, Mapping[str, Fingerprint]],
          host: Mapping[str, Fingerprint]) -> bool:
    """Whether every fingerprint still matches what is below `root` now. Each directory is
    opened from its parent's descriptor with O_NOFOLLOW (the root's own first), as RootFS opens
    them, so a component that became a symlink fails the lookup below it."""
    try:
        root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    chain: list = [("", root_fd)]
    """(directory, descriptor) from the root down to the directory looked at last."""
    try:
        for parent in sorted(grouped):
            fd = _descend(chain, parent)
            if fd is None or fd < 0:
                names = grouped[parent]
                if fd is None and all(f is None for f in names.values()):
                    continue  # the directory is still absent, as is everything seen below it
                return False
            if not _directory_holds(fd, grouped[parent], parent, grouped):
                return False
    except (ValueError, TypeError, AttributeError, IndexError):  # malformed: nothing is proven
        return False
    finally:
        for _, fd in chain:
            if fd >= 0:
                os.close(fd)
    for path, fingerprint in host.items():
        try:
            now: Fingerprint = status(os.lstat(path))
        except (FileNotFoundError, NotADirectoryError):
            now = None
        except OSError:
            return False
        if now != fingerprint:
            return False
    return True


def _descend(chain: list, directory: str) -> "Optional[int]":
    """The descriptor of `directory` (a path inside the root without symlinks), reusing those
    of its ancestors in `chain`; None when it is absent, -1 when it cannot be opened."""
    parts = [p for p in directory.split("/") if p]
    keep = 1
    while keep < len(chain) and keep <= len(parts) and chain[keep][0] == parts[keep - 1]:
        keep += 1
    for _, fd in chain[keep:]:
        if fd >= 0:
            os.close(fd)
    del chain[keep:]
    for part in parts[keep - 1:]:
        try:
            fd = os.open(part, _DIR, dir_fd=chain[-1][1])
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError:
            return -1
        chain.append((part, fd))
    return chain[-1][1]


def _directory_holds(fd: int, names: Mapping[str, Fingerprint], parent: str,
                     walked: Mapping[str, object]) -> bool:
    lstat, S_ISLNK, pack = os.stat, stat.S_ISLNK, _pack
    prefix = parent.rstrip("/") + "/"
    for name, fingerprint in names.items():
        if fingerprint == NOT_LINK and prefix + name in walked:
            continue  # a directory walked through with O_NOFOLLOW: no link, or _descend fails
        try:
            if not name:  # the root itself
                st = os.fstat(fd)
            elif fingerprint.__class__ is tuple:  # ("link", target)
                if ("link", os.readlink(name, dir_fd=fd)) != fingerprint:
                    return False
                continue
            else:
                st = lstat(name, dir_fd=fd, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            if fingerprint is not None:
                return False
            continue
        except OSError:
            return False
        if fingerprint is None:
            return False
        if fingerprint == NOT_LINK:
            if S_ISLNK(st.st_mode):
                return False
            continue
        if fingerprint.__class__ is not bytes or pack(
                st.st_mode, st.st_uid, st.st_gid, st.st_ino, st.st_dev, st.st_size,
                st.st_mtime_ns, st.st_ctime_ns, st.st_nlink) != fingerprint[:WIDTH]:
            return False
        if len(fingerprint) > WIDTH and \
                os.readlink(os.fsencode(name), dir_fd=fd) != fingerprint[WIDTH:]:
            return False
    return True
