"""The undo store: exact copies of what a fix changed, and putting them back.

Layout, inside the examined system::

    /var/lib/pyguard/undo/ID/manifest.json   what was kept, by which step, and what the fix did
    /var/lib/pyguard/undo/ID/files/PATH      the bytes of each regular file, at its own path

The manifest records, for every path, its type, mode, owner, sha256 and link target as they
were before the fix touched it; only the first state of a path is kept, so a path that two steps
change is put back as it was before the first. Undo itself first keeps the current state of what
it will overwrite in a new record: nothing, not even an undo, loses a file.

All paths are inside the root; every parent is resolved with RootFS, so no symlink in the
examined system can make a copy or a restore write outside it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from ..placing import host_path, make_dirs, sha256_of

STORE = "/var/lib/pyguard/undo"
SCHEMA = "pyguard-undo/1"
CHUNK = 1 << 20


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
    def from_json(cls, text: str, where: str) -> "Record":
        try:
            data = json.loads(text)
            if data.pop("schema") != SCHEMA:
                raise ValueError("unknown schema")
            entries = [Entry(**{**e, "mode": int(e["mode"], 8)}) for e in data.pop("entries")]
            return cls(entries=entries, **data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(f"{where}: not a pyguard undo manifest ({exc})") from None


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
        while os.path.lexists(host_path(self.root, self.record_dir(record_id))):
            n += 1
            record_id = f"{base}-{n}"
        self._makedirs(self.record_dir(record_id) + "/files")
        record = Record(record_id, now.isoformat(timespec="seconds"), command)
        self.save(record)
        return record

    def save(self, record: Record) -> None:
        """Write the manifest atomically: an interrupted fix still leaves a readable one."""
        path = host_path(self.root, self.record_dir(record.id) + "/manifest.json")
        tmp = path + ".new"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(record.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    def load(self, record_id: str) -> Record:
        path = host_path(self.root, self.record_dir(record_id) + "/manifest.json")
        try:
            with open(path, encoding="utf-8") as manifest:
                return Record.from_json(manifest.read(), path)
        except FileNotFoundError:
            where = f"{self.root.rstrip('/')}{STORE}"
            raise StoreError(f"no undo record {record_id} in {where}") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc.strerror}") from None

    def records(self) -> List[Record]:
        """Every record, oldest first; unreadable ones are skipped."""
        try:
            names = sorted(os.listdir(host_path(self.root, STORE, follow_last=True)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise StoreError(f"{self.root.rstrip('/')}{STORE}: {exc.strerror} "
                             "(the undo store is root's: run as root)") from None
        out = []
        for name in names:
            try:
                out.append(self.load(name))
            except StoreError:
                continue
        return sorted(out, key=lambda r: (r.created, r.id))

    # -- keeping -----------------------------------------------------------------------------

    def keep(self, record: Record, paths: Iterable[str], step: int,
             whole: bool = False) -> List[Entry]:
        """Copy each path (a directory with all below it) into the record, unless kept before.
        `whole`: the step takes the paths away entirely (see Entry.whole)."""
        known = {e.path for e in record.entries}
        added: List[Entry] = []
        for path in paths:
            for inside in self._walk(path):
                if inside in known:
                    continue
                entry = self._copy(record, inside, step)
                if entry is not None:
                    if whole and inside == path:
                        entry = Entry(**{**asdict(entry), "whole": True})
                    known.add(inside)
                    added.append(entry)
        record.entries.extend(added)
        self.save(record)
        return added

    def _walk(self, path: str) -> Iterable[str]:
        """`path` and, for a real directory (not a link to one), everything below it."""
        host = host_path(self.root, path)
        try:
            st = os.lstat(host)
        except OSError:
            return
        yield path
        if stat.S_ISDIR(st.st_mode):
            for name in sorted(os.listdir(host)):
                yield from self._walk(path.rstrip("/") + "/" + name)

    def _copy(self, record: Record, inside: str, step: int) -> Optional[Entry]:
        host = host_path(self.root, inside)
        try:
            st = os.lstat(host)
        except FileNotFoundError:
            return None
        base = dict(path=inside, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                    mtime_ns=st.st_mtime_ns, step=step)
        if stat.S_ISLNK(st.st_mode):
            return Entry(type="symlink", target=os.readlink(host), **base)
        if stat.S_ISDIR(st.st_mode):
            return Entry(type="dir", **base)
        if not stat.S_ISREG(st.st_mode):
            return Entry(type="other", **base)
        copy = self._stored(record.id, inside)
        self._makedirs(os.path.dirname(copy))
        digest = hashlib.sha256()
        size = 0
        fd = os.open(host, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as src, open(host_path(self.root, copy), "wb") as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        os.chmod(host_path(self.root, copy), 0o600)
        return Entry(type="file", size=size, sha256=digest.hexdigest(), **base)

    def _stored(self, record_id: str, inside: str) -> str:
        return f"{self.record_dir(record_id)}/files/{inside.lstrip('/')}"

    def _makedirs(self, inside: str) -> None:
        make_dirs(self.root, inside, [], mode=0o700)  # the store holds copies of root's files

    # -- putting back ------------------------------------------------------------------------

    def restore(self, record: Record) -> Tuple[Record, List[Entry]]:
        """Put every kept path back; returns the record of what was there before, and what
        differed."""
        safety = self.new_record(f"pyguard undo {record.id}", prefix="undo-")
        self._clear_grown_trees(record, safety)
        stay = {e.path for e in self.superseded(record)}
        changed = [e for e in record.entries if e.path not in stay and not self._matches(e)]
        self.keep(safety, [e.path for e in changed if e.type != "dir"], step=1)
        # Directories first (parents before children), then their contents, then directory
        # modes and times again, which writing into them changed.
        ordered = sorted(record.entries, key=lambda e: (e.type != "dir", e.path.count("/"), e.path))
        for entry in ordered:
            if entry in changed or (entry.type == "dir" and entry.path not in stay):
                self._put_back(record, entry)
        for entry in sorted((e for e in record.entries if e.type == "dir"),
                            key=lambda e: -e.path.count("/")):
            self._set_meta(host_path(self.root, entry.path), entry)
        safety.state = "done"
        self.save(safety)
        record.state, record.undone_by = "undone", safety.id
        self.save(record)
        return safety, changed

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
            host = host_path(self.root, entry.path)
            if os.path.isdir(host) and not os.path.islink(host) and \
                    any(p not in kept for p in self._walk(entry.path)):
                self.keep(safety, [entry.path], step=1)
                self._clear(host)

    def _matches(self, entry: Entry) -> bool:
        """Whether the path is still exactly as kept (then restoring it changes nothing)."""
        host = host_path(self.root, entry.path)
        try:
            st = os.lstat(host)
        except OSError:
            return False
        same_meta = ((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
                     == (entry.mode, entry.uid, entry.gid))
        if entry.type == "symlink":
            return stat.S_ISLNK(st.st_mode) and os.readlink(host) == entry.target and \
                (st.st_uid, st.st_gid) == (entry.uid, entry.gid)
        if entry.type == "dir":
            return stat.S_ISDIR(st.st_mode) and same_meta
        if entry.type == "file":
            return stat.S_ISREG(st.st_mode) and same_meta and st.st_size == entry.size and \
                sha256_of(host) == entry.sha256
        return same_meta

    def _put_back(self, record: Record, entry: Entry) -> None:
        self._makedirs_like(record, os.path.dirname(entry.path))
        host = host_path(self.root, entry.path)
        if entry.type == "dir":
            if not os.path.isdir(host) or os.path.islink(host):
                self._clear(host)
                os.mkdir(host, 0o700)
            self._set_meta(host, entry)
            return
        if entry.type == "other":
            return  # devices and fifos are recreated by their owners; only noted
        tmp = os.path.join(os.path.dirname(host), f".pyguard-undo-{os.getpid()}")
        if os.path.lexists(tmp):
            os.unlink(tmp)
        if entry.type == "symlink":
            os.symlink(entry.target, tmp)
        else:
            source = host_path(self.root, self._stored(record.id, entry.path))
            with open(source, "rb") as src, open(tmp, "xb") as dst:
                for chunk in iter(lambda: src.read(CHUNK), b""):
                    dst.write(chunk)
        self._set_meta(tmp, entry)
        if os.path.isdir(host) and not os.path.islink(host):
            self._clear(host)
        os.replace(tmp, host)

    def _clear(self, host: str) -> None:
        """Remove what stands where a kept path goes back; it was kept in the safety record."""
        if os.path.isdir(host) and not os.path.islink(host):
            import shutil
            shutil.rmtree(host)
        elif os.path.lexists(host):
            os.unlink(host)

    def _makedirs_like(self, record: Record, inside: str) -> None:
        """Create missing parents with the modes the record knows, 0755 otherwise."""
        dirs = {e.path: e for e in record.entries if e.type == "dir"}
        created: List[str] = []
        make_dirs(self.root, inside, created)
        for path in created:
            if path in dirs:
                self._set_meta(host_path(self.root, path), dirs[path])

    @staticmethod
    def _set_meta(host: str, entry: Entry) -> None:
        os.lchown(host, entry.uid, entry.gid)
        if entry.type != "symlink":
            os.chmod(host, entry.mode)  # after chown, which clears set-id bits
        if entry.mtime_ns:
            os.utime(host, ns=(entry.mtime_ns, entry.mtime_ns), follow_symlinks=False)
