"""The undo store: exact copies of what a fix changed, and putting them back.

Layout, inside the examined system::

    /var/lib/pyguard/undo/ID/manifest.json   what was kept, by which step, and what the fix did
    /var/lib/pyguard/undo/ID/files/PATH      the bytes of each regular file, at its own path

The manifest records, for every path, its type, mode, owner, sha256 and link target as they
were before the fix touched it; only the first state of a path is kept, so a path that two steps
change is put back as it was before the first. Undo itself first keeps the current state of what
it will overwrite in a new record: nothing, not even an undo, loses a file.

All paths are inside the root; every parent is resolved with RootFS, so no symlink in the
examined system can make a copy or a restore write outside it. Every read and write happens
relative to a descriptor of the directory that holds the path (placing.parent), never through
a final link, never blocking on a FIFO; a tree is walked descriptor by descriptor, so a user
who swaps a directory of hers for a link while a fix keeps it cannot send it anywhere else.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import stat
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from ..placing import (MAX_TREE_DEPTH, READ, lstat, make_dirs, open_regular, parent, remove_tree,
                       set_mode, sha256_at, write_at)
from ..rootfs import RootFS

STORE = "/var/lib/pyguard/undo"
SCHEMA = "pyguard-undo/1"
CHUNK = 1 << 20
RESERVE = 1 << 30
"""Free space the undo store leaves on its file system at least (a twentieth of it where that is
more): a copy that would take it is refused before anything is moved, so that no tree, however
large or sparse its files (a user's 1 TiB of holes costs her nothing), fills root's /var."""


class StoreError(Exception):
    """The undo store cannot be read or written; the message says where."""


@dataclass(frozen=True)
class Entry:
    """One path as it was before the fix changed it."""

    path: str
    type: str
    """file, symlink, dir or other (a device or fifo: its metadata only)."""
    mode: int
    uid: int
    gid: int
    mtime_ns: int = 0
    size: int = 0
    sha256: str = ""
    target: str = ""
    """A symlink's target, verbatim."""
    step: int = 0
    """Which step of the fix changed it (1-based)."""
    whole: bool = False
    """A directory the step took away as a whole: undo gives back exactly its old contents,
    and what was put there since goes into the undo's own record."""


@dataclass
class Record:
    """One fix (or one undo) as the manifest describes it."""

    id: str
    created: str
    command: str
    entries: List[Entry] = field(default_factory=list)
    steps: List[Dict] = field(default_factory=list)
    packages: List[str] = field(default_factory=list)
    """"name version" of every package the fix's apt steps unpacked."""
    dpkg_before: Dict[str, Dict] = field(default_factory=dict)
    """dpkg's record, taken before the fix, of each installed package its apt steps unpacked
    or removed, by name:arch: version, to (the version the fix left; '' when removed),
    md5sums and conffiles (path -> md5). What a local edit is, is judged by it."""
    state: str = "running"
    """running, done, failed, interrupted; undone once put back."""
    undone_by: str = ""
    refused: List[str] = field(default_factory=list)
    """Of an undo: the paths it did not put back because the way there now leads out of what
    the user who controls it controls (RootFS.open_parent); they stay kept in the fix's record."""

    def package_changes(self) -> List[Tuple[str, str, str]]:
        """(name, version before the fix, version after; '' removed) of each package the fix
        unpacked or removed, by name."""
        return sorted((key.split(":")[0], str(b.get("version", "")), str(b.get("to", "")))
                      for key, b in self.dpkg_before.items())

    def to_json(self) -> str:
        data = asdict(self)
        data["schema"] = SCHEMA
        for entry in data["entries"]:
            entry["mode"] = oct(entry["mode"])
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str, record_id: Optional[str] = None) -> "Record":
        """The record a manifest describes, every field of the type and range pyguard writes
        (undo acts as root on what it says); `record_id`: the directory it was found in."""
        try:
            data = json.loads(text)
            if data.pop("schema") != SCHEMA:
                raise ValueError("unknown schema")
            entries = [_entry(e) for e in data.pop("entries")]
            record = cls(entries=entries, **data)
            _check_record(record, record_id)
            return record
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError,
                OverflowError) as exc:
            raise StoreError(f"{where}: not a pyguard undo manifest ({exc})") from None


ENTRY_TYPES = ("file", "symlink", "dir", "other")
SHA256 = re.compile(r"(?:[0-9a-f]{64})?")


def _entry(data: dict) -> Entry:
    if not isinstance(data, dict) or not isinstance(data.get("mode"), str):
        raise ValueError("an entry is not an object with an octal mode")
    mode = int(data["mode"], 8)
    entry = Entry(**{**data, "mode": mode})
    text = {"path": entry.path, "type": entry.type, "sha256": entry.sha256, "target": entry.target}
    numbers = {"mode": (entry.mode, 0o7777), "uid": (entry.uid, 2**32 - 1),
               "gid": (entry.gid, 2**32 - 1), "mtime_ns": (entry.mtime_ns, 2**63 - 1),
               "size": (entry.size, 2**63 - 1), "step": (entry.step, 2**31 - 1)}
    for name, value in text.items():
        if not isinstance(value, str) or "\0" in value:
            raise ValueError(f"entry {name} is not a string")
    for name, (value, top) in numbers.items():
        if type(value) is not int or not 0 <= value <= top:
            raise ValueError(f"entry {name} {value!r} is out of range")
    parts = entry.path.split("/")
    if not entry.path.startswith("/") or ".." in parts or entry.type not in ENTRY_TYPES or \
            not SHA256.fullmatch(entry.sha256) or type(entry.whole) is not bool:
        raise ValueError(f"entry {entry.path!r} is not one pyguard writes")
    return entry


def _check_record(record: "Record", record_id: Optional[str]) -> None:
    strings = (record.id, record.created, record.command, record.state, record.undone_by)
    if not all(isinstance(v, str) and "\0" not in v for v in strings):
        raise ValueError("a field that is text is not")
    if record_id is not None and record.id != record_id:
        raise ValueError(f"it says it is record {record.id!r}")
    if not (isinstance(record.steps, list) and all(isinstance(s, dict) for s in record.steps)
            and isinstance(record.packages, list) and isinstance(record.refused, list)
            and all(isinstance(p, str) for p in record.packages + record.refused)
            and isinstance(record.dpkg_before, dict)
            and all(isinstance(k, str) and isinstance(v, dict)
                    for k, v in record.dpkg_before.items())):
        raise ValueError("its steps, packages or dpkg record are not what pyguard writes")


class Store:
    """The undo store of one root."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def record_dir(self, record_id: str) -> str:
        return f"{STORE}/{record_id}"

    # -- records -----------------------------------------------------------------------------

    def new_record(self, command: str, prefix: str = "") -> Record:
        now = datetime.datetime.now(datetime.timezone.utc)
        base = prefix + now.strftime("%Y%m%d-%H%M%S")
        record_id, n = base, 1
        self._makedirs(STORE)
        while lstat(self.root, self.record_dir(record_id)) is not None:
            n += 1
            record_id = f"{base}-{n}"
        self._makedirs(self.record_dir(record_id) + "/files")
        record = Record(record_id, now.isoformat(timespec="seconds"), command)
        self.save(record)
        return record

    def save(self, record: Record) -> None:
        """Write the manifest atomically: an interrupted fix still leaves a readable one."""
        with parent(self.root, self.record_dir(record.id) + "/manifest.json") as (dir_fd, name):
            write_at(dir_fd, name, record.to_json().encode("utf-8"), 0o644, replace=True)

    def load(self, record_id: str) -> Record:
        inside = self.record_dir(record_id) + "/manifest.json"
        path = f"{self.root.rstrip('/')}{inside}"
        try:
            with parent(self.root, inside) as (dir_fd, name):
                fd = open_regular(dir_fd, name)
            with os.fdopen(fd, "rb") as manifest:
                return Record.from_json(manifest.read().decode("utf-8", "replace"), path,
                                        record_id)
        except (FileNotFoundError, NotADirectoryError):
            where = f"{self.root.rstrip('/')}{STORE}"
            raise StoreError(f"no undo record {record_id} in {where}") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc.strerror}") from None

    def records(self) -> List[Record]:
        """Every readable record, oldest first."""
        return self.survey()[0]

    def survey(self) -> Tuple[List[Record], List[Tuple[str, str]]]:
        """Every readable record, oldest first, and (name, why) of each one that is not."""
        try:
            names = sorted(self._listdir(STORE))
        except (FileNotFoundError, NotADirectoryError):
            return [], []
        except OSError as exc:
            raise StoreError(f"{self.root.rstrip('/')}{STORE}: {exc.strerror} "
                             "(the undo store is root's: run as root)") from None
        out = []
        unreadable = []
        for name in names:
            try:
                out.append(self.load(name))
            except StoreError as exc:
                unreadable.append((name, str(exc)))
        return sorted(out, key=lambda r: (r.created, r.id)), unreadable

    # -- keeping -----------------------------------------------------------------------------

    def keep(self, record: Record, paths: Iterable[str], step: int,
             whole: bool = False) -> List[Entry]:
        """Copy each path (a directory with all below it) into the record, unless kept before.
        `whole`: the step takes the paths away entirely (see Entry.whole)."""
        known = {e.path for e in record.entries}
        self._room_for(sum(st.st_size for path in paths for _, _, inside, st in self._tree(path)
                           if inside not in known and stat.S_ISREG(st.st_mode)))
        added: List[Entry] = []
        for path in paths:
            for dir_fd, name, inside, st in self._tree(path):
                if inside in known:
                    continue
                entry = self._copy(record, dir_fd, name, inside, st, step)
                if whole and inside == path:
                    entry = Entry(**{**asdict(entry), "whole": True})
                known.add(inside)
                added.append(entry)
        record.entries.extend(added)
        self.save(record)
        return added

    def _room_for(self, size: int) -> None:
        """Refuse a copy of `size` bytes that would leave the store's file system less than its
        reserve (RESERVE)."""
        try:
            vfs = os.statvfs(f"{self.root.rstrip('/')}{STORE}")
        except OSError:
            return  # the copy itself says what is wrong
        free = vfs.f_bavail * vfs.f_frsize
        reserve = max(RESERVE, vfs.f_blocks * vfs.f_frsize // 20)
        if size > free - reserve:
            raise StoreError(f"keeping {_size(size)} would leave {_size(max(free - size, 0))} "
                             f"free where the undo store is, under {_size(reserve)}; nothing "
                             "was moved")

    def _walk(self, path: str) -> Iterable[str]:
        """`path` and, for a real directory (not a link to one), everything below it."""
        for _, _, inside, _ in self._tree(path):
            yield inside

    def _tree(self, path: str) -> Iterator[Tuple[int, str, str, os.stat_result]]:
        """(directory descriptor, name, inside path, lstat) of `path` and of everything below a
        real directory, each directory entered by descriptor with O_NOFOLLOW: a swap cannot
        lead the walk out of the tree it started in."""
        try:
            with parent(self.root, path) as (dir_fd, name):
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                yield from self._below(dir_fd, name, path, st, 0)
        except (FileNotFoundError, NotADirectoryError):
            return

    def _below(self, dir_fd: int, name: str, inside: str, st: os.stat_result,
               depth: int) -> Iterator[Tuple[int, str, str, os.stat_result]]:
        yield dir_fd, name, inside, st
        if not stat.S_ISDIR(st.st_mode):
            return
        if depth >= MAX_TREE_DEPTH:
            raise StoreError(f"{inside}: deeper than {MAX_TREE_DEPTH} directories, more than "
                             "pyguard keeps; nothing was moved")
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                     dir_fd=dir_fd)
        try:
            opened = os.fstat(fd)
            if (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino):
                raise StoreError(f"{inside}: changed while being kept; nothing was moved")
            for child in sorted(os.listdir(fd)):
                try:
                    child_st = os.stat(child, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                yield from self._below(fd, child, inside.rstrip("/") + "/" + child, child_st,
                                       depth + 1)
        finally:
            os.close(fd)

    def _copy(self, record: Record, dir_fd: int, name: str, inside: str, st: os.stat_result,
              step: int) -> Entry:
        """The entry of one path, and for a regular file a copy of its bytes in the record."""
        def entry_of(st: os.stat_result, **more) -> Entry:
            return Entry(path=inside, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid,
                         gid=st.st_gid, mtime_ns=st.st_mtime_ns, step=step, **more)

        if stat.S_ISLNK(st.st_mode):
            return entry_of(st, type="symlink", target=os.readlink(name, dir_fd=dir_fd))
        if stat.S_ISDIR(st.st_mode):
            return entry_of(st, type="dir")
        if not stat.S_ISREG(st.st_mode):
            return entry_of(st, type="other")
        try:
            src = os.open(name, READ, dir_fd=dir_fd)  # O_NOFOLLOW, O_NONBLOCK
        except OSError as exc:
            raise StoreError(f"{inside}: changed while being kept ({exc.strerror}); "
                             "nothing was moved") from None
        try:
            st = os.fstat(src)  # what was opened is what is recorded
            if not stat.S_ISREG(st.st_mode):
                return entry_of(st, type="other")
            copy = self._stored(record.id, inside)
            self._makedirs(os.path.dirname(copy))
            digest = hashlib.sha256()
            size = 0
            with parent(self.root, copy) as (copy_dir, copy_name):
                dst = os.open(copy_name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
                              | os.O_CLOEXEC, 0o600, dir_fd=copy_dir)
            with os.fdopen(dst, "wb") as out:
                os.fchmod(dst, 0o600)
                for chunk in iter(lambda: os.read(src, CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        finally:
            os.close(src)
        return entry_of(st, type="file", size=size, sha256=digest.hexdigest())

    def _stored(self, record_id: str, inside: str) -> str:
        return f"{self.record_dir(record_id)}/files/{inside.lstrip('/')}"

    def _makedirs(self, inside: str) -> None:
        make_dirs(self.root, inside, [], mode=0o700)  # the store holds copies of root's files

    # -- putting back ------------------------------------------------------------------------

    def restore(self, record: Record) -> Tuple[Record, List[Entry]]:
        """Put every kept path back; returns the record of what was there before, and what
        differed. Every kept copy is checked against the manifest first: a copy missing or
        changed stops the undo before it changes anything."""
        self._check_copies(record)
        safety = self.new_record(f"pyguard undo {record.id}", prefix="undo-")
        self._clear_grown_trees(record, safety)
        stay = {e.path for e in self.superseded(record)}
        safety.refused = [e.path for e in record.entries if not self._reachable(e.path)]
        stay.update(safety.refused)
        changed = [e for e in record.entries if e.path not in stay and not self._matches(e)]
        self.keep(safety, [e.path for e in changed if e.type != "dir"], step=1)
        # Directories first (parents before children), then their contents, then directory
        # modes and times again, which writing into them changed.
        ordered = sorted(record.entries, key=lambda e: (e.type != "dir", e.path.count("/"), e.path))
        for entry in ordered:
            if entry in changed or (entry.type == "dir" and entry.path not in stay):
                self._put_back(record, entry)
        for entry in sorted((e for e in record.entries if e.type == "dir" and e.path not in stay),
                            key=lambda e: -e.path.count("/")):
            with parent(self.root, entry.path) as (dir_fd, name):
                self._set_meta(dir_fd, name, entry)
        safety.state = "done"
        self.save(safety)
        if safety.refused:
            return safety, changed  # the rest stays to be put back once the way is safe again
        record.state, record.undone_by = "undone", safety.id
        self.save(record)
        return safety, changed

    def _check_copies(self, record: Record) -> None:
        for entry in record.entries:
            if entry.type != "file":
                continue
            stored = self._stored(record.id, entry.path)
            try:
                with parent(self.root, stored) as (dir_fd, name):
                    fd = open_regular(dir_fd, name)
                digest, size = hashlib.sha256(), 0
                try:
                    for chunk in iter(lambda: os.read(fd, CHUNK), b""):
                        digest.update(chunk)
                        size += len(chunk)
                finally:
                    os.close(fd)
            except OSError as exc:
                why = f"cannot be read ({exc.strerror or exc})"
            else:
                if (digest.hexdigest(), size) == (entry.sha256, entry.size):
                    continue
                why = "is not what was kept"
            raise StoreError(f"{entry.path}: its copy {self.root.rstrip('/')}{stored} {why}; "
                             "nothing was put back")

    def _reachable(self, inside: str) -> bool:
        """Whether the way to `inside` is one pyguard may write through (not EPERM)."""
        try:
            with parent(self.root, inside):
                return True
        except PermissionError:
            return False
        except OSError:
            return True  # missing parents are made; other errors surface where they happen

    def superseded(self, record: Record) -> List[Entry]:
        """Kept files that were exactly what dpkg had recorded for a package the fix upgraded
        (or downgraded): the old version's own files, not local edits. They stay as the new
        version has them; putting them back would leave the new package off dpkg's record."""
        shipped: Dict[str, str] = {}
        for before in record.dpkg_before.values():
            if before.get("to") and before.get("to") != before.get("version"):
                shipped.update(before.get("md5sums") or {})
                shipped.update(before.get("conffiles") or {})
        if not shipped:
            return []
        from ..rootfs import RootFS

        fs = RootFS(self.root)
        return [e for e in record.entries if e.type == "file" and e.path in shipped and
                fs.digest(self._stored(record.id, e.path), "md5") == shipped[e.path]]

    def _clear_grown_trees(self, record: Record, safety: Record) -> None:
        """A directory taken away whole that holds something else now (a venv made anew where
        the broken one was) is kept in the safety record and cleared, to come back as it was."""
        kept = {e.path for e in record.entries}
        for entry in record.entries:
            if not (entry.whole and entry.type == "dir"):
                continue
            st = lstat(self.root, entry.path)
            if st is not None and stat.S_ISDIR(st.st_mode) and \
                    any(p not in kept for p in self._walk(entry.path)):
                self.keep(safety, [entry.path], step=1)
                with parent(self.root, entry.path) as (dir_fd, name):
                    self._clear(dir_fd, name)

    def _matches(self, entry: Entry) -> bool:
        """Whether the path is still exactly as kept (then restoring it changes nothing)."""
        try:
            with parent(self.root, entry.path) as (dir_fd, name):
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                same_meta = ((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
                             == (entry.mode, entry.uid, entry.gid))
                if entry.type == "symlink":
                    return stat.S_ISLNK(st.st_mode) and \
                        os.readlink(name, dir_fd=dir_fd) == entry.target and \
                        (st.st_uid, st.st_gid) == (entry.uid, entry.gid)
                if entry.type == "dir":
                    return stat.S_ISDIR(st.st_mode) and same_meta
                if entry.type == "file":
                    return stat.S_ISREG(st.st_mode) and same_meta and st.st_size == entry.size and \
                        sha256_at(dir_fd, name) == entry.sha256
                return same_meta
        except OSError:
            return False

    def _put_back(self, record: Record, entry: Entry) -> None:
        self._makedirs_like(record, os.path.dirname(entry.path))
        with parent(self.root, entry.path) as (dir_fd, name):
            self._put_back_at(record, entry, dir_fd, name)

    def _put_back_at(self, record: Record, entry: Entry, dir_fd: int, name: str) -> None:
        """Put one entry back at `name` in `dir_fd`: made beside it, then renamed over it."""
        if entry.type == "dir":
            if not self._is_dir(dir_fd, name):
                self._clear(dir_fd, name)
                os.mkdir(name, 0o700, dir_fd=dir_fd)
            self._set_meta(dir_fd, name, entry)
            return
        if entry.type == "other":
            return  # devices and fifos are recreated by their owners; only noted
        tmp = f".pyguard-undo-{os.getpid()}"
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        if entry.type == "symlink":
            os.symlink(entry.target, tmp, dir_fd=dir_fd)
        else:
            with parent(self.root, self._stored(record.id, entry.path)) as (stored_dir, stored):
                src = open_regular(stored_dir, stored)
            try:
                dst = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                              | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
                with os.fdopen(dst, "wb") as out:
                    for chunk in iter(lambda: os.read(src, CHUNK), b""):
                        out.write(chunk)
            finally:
                os.close(src)
        self._set_meta(dir_fd, tmp, entry)
        if self._is_dir(dir_fd, name):
            self._clear(dir_fd, name)
        os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)

    @staticmethod
    def _is_dir(dir_fd: int, name: str) -> bool:
        try:
            return stat.S_ISDIR(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
        except FileNotFoundError:
            return False

    @staticmethod
    def _clear(dir_fd: int, name: str) -> None:
        """Remove what stands where a kept path goes back; it was kept in the safety record."""
        try:
            remove_tree(dir_fd, name)
        except FileNotFoundError:
            pass

    def _makedirs_like(self, record: Record, inside: str) -> None:
        """Create missing parents with the modes the record knows, 0755 otherwise."""
        dirs = {e.path: e for e in record.entries if e.type == "dir"}
        created: List[str] = []
        make_dirs(self.root, inside, created)
        for path in created:
            if path in dirs:
                with parent(self.root, path) as (dir_fd, name):
                    self._set_meta(dir_fd, name, dirs[path])

    def _listdir(self, inside: str) -> List[str]:
        """The names in a directory of the root (links followed inside it); raises OSError."""
        with RootFS(self.root) as fs:
            fd = fs.open_dir(inside)
        try:
            listing = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
        finally:
            os.close(fd)
        try:
            return os.listdir(listing)
        finally:
            os.close(listing)

    @staticmethod
    def _set_meta(dir_fd: int, name: str, entry: Entry) -> None:
        """Owner, mode and time of `name` in `dir_fd`, as the entry has them; a link is never
        followed (the mode is set through an O_PATH descriptor of what is there)."""
        os.chown(name, entry.uid, entry.gid, dir_fd=dir_fd, follow_symlinks=False)
        if entry.type != "symlink":
            set_mode(dir_fd, name, entry.mode)  # after chown, which clears set-id bits
        if entry.mtime_ns:
            os.utime(name, ns=(entry.mtime_ns, entry.mtime_ns), dir_fd=dir_fd,
                     follow_symlinks=False)


def _size(size: int) -> str:
    """12 B, 300.0 MiB, 1.5 GiB."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"
