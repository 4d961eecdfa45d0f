"""Are the files of Debian's Python packages still the ones dpkg unpacked? (`dpkg -V`, faster)

Which packages: every installed python3*, libpython3* and any package with files under
/usr/lib/python3 or /usr/lib/python3.X. Their files are compared with info/PKG.md5sums and
their conffiles with the md5 in the Conffiles field of the status file, where dpkg put them: a
file diverted away from its package is looked for where the diversion sends it, as `dpkg -V`
does. Symlinks and directories have no md5 and are not judged, nor is a file that dpkg's
path-exclude rules kept off the disk (docs, man pages, locales on slim images): dpkg lists it,
but never unpacked it, and no reinstall would (dpkg_filter).

This runs in every `pyguard doctor`, so on the running system one cache file (pyguard.cache)
keeps the plan (which files, which md5; rebuilt when dpkg changes its database) and every md5
computed, keyed by the file's path, size, mtime, inode and ctime: a file whose status did not
change is not read again (one changed less than a second before the run is read again next
time too: a change within the same tick of the clock would keep its timestamps). A rescue run
(--root DIR) reads and writes no cache.
"""

from __future__ import annotations

import os
import re
import stat
import struct
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Iterable, List, Optional, Set, Tuple

from ..rootfs import RootFS
from .dpkg import caching

CACHE_NAME = "verify"
CACHE_KEY = ("verify", 2)
PREFIXES = ("python3", "libpython3")
COMPANIONS = ("lsb-release",)
"""Verified though no Python file of theirs may be left: what people 'fix' when python3 breaks
it (an edited shebang, a removed /usr/bin/lsb_release), a shell script since Debian 12."""
READ_LIMIT = 1 << 30
"""Larger than any file a Python package ships (libpython3.X.a is ~15 MB)."""
THREADS = max(1, min(8, os.cpu_count() or 1))
LARGE = 64 << 10
"""Files from this size on are read and hashed by worker threads."""

KNOWN = struct.Struct("=qqQq")
"""A file's size, mtime_ns, inode and ctime_ns, packed: the cache keeps each file's md5 after
them as 16 bytes (48 bytes a file, where a tuple of ints and a hex string takes 290)."""

Entry = Tuple[str, str, bool]
"""(path as dpkg lists it, the md5 dpkg recorded, whether it is a conffile)."""
PlanItem = Tuple[str, Tuple[Entry, ...]]


@dataclass(frozen=True)
class PackageFiles:
    """One package whose files are not all as dpkg unpacked them."""

    package: str
    missing: Tuple[str, ...]
    """Files of md5sums that are gone (a diverted file: gone from where the diversion put it)."""
    changed: Tuple[str, ...]
    """Files whose contents differ from md5sums, or that are no longer regular files."""
    missing_conffiles: Tuple[str, ...]
    changed_conffiles: Tuple[str, ...]


@dataclass(frozen=True)
class Verification:
    """Every Python package's files compared with dpkg's md5s."""

    packages: Tuple[str, ...]
    """The packages verified, sorted."""
    files: int
    """How many files and conffiles were looked at."""
    hashed: int
    """How many of them were read and hashed this run; the others' md5 came from the cache."""
    broken: Tuple[PackageFiles, ...]
    """The packages with at least one missing or changed file, sorted by name."""
    filtered: int = 0
    """How many of the packages' files dpkg's path filters kept off the disk: not looked at."""




def gather_verification(facts) -> Verification:
    from .. import cache

    fs, dpkg = facts.fs, facts.dpkg
    use_cache = caching(fs)
    dpkg_key = dpkg.database_key()
    stored = cache.load(CACHE_NAME, fs.root, CACHE_KEY) if use_cache and dpkg_key else None
    stored_key, plan, known = _unpack(stored)
    rebuilt = plan is None or stored_key != dpkg_key
    path_filter = dpkg.path_filter
    verifier = _Verifier(fs, known, dpkg.diversions,
                         path_filter.excluded if path_filter.rules else None)
    if rebuilt:
        # the packages named python3*/libpython3* are known without dpkg's ownership index:
        # their large files are being hashed while the index is built for the others
        named = named_packages(dpkg)
        conffiles = read_conffiles(fs, dpkg.admindir, set(dpkg.names()), dpkg.native_arch,
                                   dpkg.status_text)
        plan = _plan_of(dpkg, named, conffiles)
        verifier.add_all(plan)
        rest = _plan_of(dpkg, [p for p in python_packages(facts) if p not in set(named)], conffiles)
        verifier.add_all(rest)
        plan = tuple(sorted(plan + rest))
    else:
        verifier.add_all(plan)
    verifier.finish()
    broken = []
    for package, files in verifier.located:
        found: Dict[Tuple[str, bool], List[str]] = {}
        for path, digest, conffile in files:
            state = verifier.state(path, digest)
            if state in ("missing", "changed"):
                found.setdefault((state, conffile), []).append(path)
        if found:
            broken.append(PackageFiles(
                package,
                missing=tuple(found.get(("missing", False), ())),
                changed=tuple(found.get(("changed", False), ())),
                missing_conffiles=tuple(found.get(("missing", True), ())),
                changed_conffiles=tuple(found.get(("changed", True), ())),
            ))
    if use_cache and dpkg_key and (rebuilt or verifier.dirty):
        cache.store(CACHE_NAME, fs.root, CACHE_KEY, (dpkg_key, plan, verifier.seen))
    return Verification(
        packages=tuple(package for package, _ in plan),
        files=sum(len(entries) for _, entries in plan) - verifier.filtered,
        hashed=verifier.hashed,
        broken=tuple(sorted(broken, key=lambda b: b.package)),
        filtered=verifier.filtered,
    )


# -- which files, with which md5 ---------------------------------------------------------------


def named_packages(dpkg) -> List[str]:
    """The installed packages named python3* or libpython3*."""
    return sorted(name for name in dpkg.names() if name.startswith(PREFIXES) and dpkg.is_installed(name))


def python_packages(facts) -> List[str]:
    """Installed python3*, libpython3*, COMPANIONS and the owners of anything under
    /usr/lib/python3*.

    dpkg lists every parent directory of a package's files, so the owners of /usr/lib/python3
    and /usr/lib/python3.X are exactly the packages with files below them. The plan depends
    on dpkg's database alone: the versions come from installed packages, and a directory that
    no package installed has no owner.
    """
    from .python import interpreter_versions

    dpkg = facts.dpkg
    names = set(named_packages(dpkg)) | {n for n in COMPANIONS if dpkg.is_installed(n)}
    directories = ["/usr/lib/python3"] + [f"/usr/lib/python{v}"
                                          for v in interpreter_versions(facts.fs, dpkg)]
    for owners in dpkg.owners_in_lists(directories, known=frozenset(names)).values():
        names.update(owner for owner in owners if dpkg.is_installed(owner))
    return sorted(names)


def _plan_of(dpkg, packages: Iterable[str], conffiles: Dict[str, Dict[str, str]]) -> Tuple[PlanItem, ...]:
    from ..cache import no_gc

    plan: List[PlanItem] = []
    with no_gc():
        for package in packages:
            live = conffiles.get(package, {})
            entries = [(path, digest, False) for path, digest in dpkg.md5sums(package).items()
                       if path not in live]
            entries += [(path, digest, True) for path, digest in live.items()]
            plan.append((package, tuple(entries)))
    return tuple(plan)


CONFFILE_LINE = re.compile(r"^ (/\S*) ([0-9a-f]{32})((?: \S+)*)[ \t]*$")
FIELD = re.compile(r"^([^\s:]+):[ \t]*(.*)$")


def read_conffiles(fs: RootFS, admindir: str, names: Set[str], native: str,
                   text: Optional[str] = None) -> Dict[str, Dict[str, str]]:
    """Package -> {conffile: md5} from the status file, obsolete ones left out.

    The same paragraphs DpkgDatabase.package() reads (an installed instance, the native
    architecture's first), without python-debian: importing that alone takes 25-50 ms, a
    tenth to a fifth of a first run. A test holds the two readings equal.
    """
    if text is None:  # the status file's text, unless the caller has read it already
        text = fs.read_text(f"{admindir}/status") or ""
    chosen: Dict[str, Tuple[bool, bool, Dict[str, str]]] = {}
    for block in text.split("\n\n"):
        if "\nConffiles:" not in block:
            continue
        fields: Dict[str, str] = {}
        conffiles: Dict[str, str] = {}
        current = None
        for line in block.split("\n"):
            if line[:1] in (" ", "\t"):
                if current == "Conffiles":
                    m = CONFFILE_LINE.match(line)
                    if m and "obsolete" not in m.group(3).split():
                        conffiles[m.group(1)] = m.group(2)
                continue
            m = FIELD.match(line)
            current = m.group(1) if m else None
            if m:
                fields[current] = m.group(2).strip()
        name = fields.get("Package", "")
        if name not in names:
            continue
        status = fields.get("Status", "").split()
        installed = len(status) == 3 and status[2] not in ("not-installed", "config-files")
        native_arch = fields.get("Architecture") == native
        previous = chosen.get(name)
        if previous is None or (installed and not previous[0]) or (installed and native_arch):
            chosen[name] = (installed, native_arch, conffiles)
    return {name: conffiles for name, (installed, _, conffiles) in chosen.items()
            if installed and conffiles}


def _unpack(stored: object) -> Tuple[object, Optional[Tuple[PlanItem, ...]], Dict[str, bytes]]:
    """(dpkg key, plan, md5 by path) from a cache entry; anything malformed is dropped."""
    if stored.__class__ is not tuple or len(stored) != 3:  # type: ignore[arg-type]
        return None, None, {}
    key, plan, known = stored  # type: ignore[misc]
    if not isinstance(known, dict):
        known = {}
    return key, (plan if _valid_plan(plan) else None), known


def _valid_plan(value: object) -> bool:
    if value.__class__ is not tuple:
        return False
    try:
        for package, entries in value:  # type: ignore[attr-defined]
            if package.__class__ is not str or entries.__class__ is not tuple:
                return False
            for path, digest, conffile in entries:
                if path.__class__ is not str or digest.__class__ is not str or conffile.__class__ is not bool:
                    return False
    except (TypeError, ValueError):
        return False
    return True


# -- looking at files --------------------------------------------------------------------------


class _Verifier:
    """Looks at each path once: lstat, then the md5 from the cache or by reading the file.

    Large files are read and hashed by worker threads, started at the first one, while this
    thread goes on with the lstat calls: hashlib releases the GIL while it digests a large
    buffer. Small files cost Python work more than digesting; they wait for finish(), where
    every thread takes them from one pool, so no core idles while the other has files left.
    """

    def __init__(self, fs: RootFS, known: Dict[str, bytes], diversions,
                 excluded: Optional[Callable[[str], bool]] = None) -> None:
        import time

        from ..journal import RACY_NS

        self.fs = fs
        self.known = known
        self.racy = time.time_ns() - RACY_NS
        """A file changed after this may change again within its clock tick, unseen: its md5 is
        not kept (pyguard.journal.RACY_NS), so the next run hashes it again."""
        self.diversions = diversions
        self.excluded = excluded
        """dpkg's path filter, when it has rules: the paths it never unpacked."""
        self.filtered = 0
        self.located: List[Tuple[str, List[Entry]]] = []
        """(package, its (path, md5, conffile)), the path where dpkg put the file."""
        self.seen: Dict[str, bytes] = {}
        """The cache after this run: the KNOWN status and the md5 of each file read."""
        self.digests: Dict[str, Optional[str]] = {}
        """path -> md5 of a regular file, None when it could not be read."""
        self.kinds: Dict[str, str] = {}
        self.small: Deque[Tuple[str, Optional[os.stat_result]]] = deque()
        self.hashed = 0
        self.dirty = False
        self._dirs: Dict[str, Optional[str]] = {}
        self._queue = None
        self._workers: List = []

    def add_all(self, plan: Iterable[PlanItem]) -> None:
        diversions, excluded = self.diversions, self.excluded
        by_directory: Dict[str, List[str]] = {}
        for package, entries in plan:
            files = []
            for entry in entries:
                path = entry[0]
                if excluded is not None and excluded(path):  # dpkg filters the package's path
                    self.filtered += 1
                    continue
                diversion = diversions.get(path)
                if (diversion is not None and diversion.by != package
                        and diversion.divert_to.startswith("/")):
                    path = diversion.divert_to  # where dpkg put this package's file instead
                    entry = (path, entry[1], entry[2])
                files.append(entry)
                directory, _, name = path.rpartition("/")
                by_directory.setdefault(directory, []).append(name)
            self.located.append((package, files))
        for directory, names in by_directory.items():
            self._look_in(directory, names)

    def _look_in(self, directory: str, names: List[str]) -> None:
        """Judge the files `names` of `directory`, each once: one lstat each, relative to the
        directory resolved once (thousands of files share a few directories)."""
        if directory not in self._dirs:
            self._dirs[directory] = self.fs.resolve(directory or "/")
        resolved_dir = self._dirs[directory]
        kinds = self.kinds
        todo = [name for name in dict.fromkeys(names)
                if directory + "/" + name not in kinds]
        plain = [name for name in todo if name not in ("", ".", "..")]
        if resolved_dir is None or len(plain) < len(todo):  # a loop, a name dpkg never lists
            for name in todo:
                self._judge(directory + "/" + name, self.fs.lstat(directory + "/" + name))
            return
        same = resolved_dir == (directory or "/")
        for name, (looked_at, seen) in zip(plain, self.fs.lstat_names(resolved_dir, plain)):
            path = looked_at if same else directory + "/" + name  # one string for both uses
            if seen.__class__ is os.stat_result:
                self._judge(path, seen)
            elif isinstance(seen, (FileNotFoundError, NotADirectoryError)):
                kinds[path] = "missing"
            else:
                self.fs.note("unreadable", path, seen.strerror or str(seen))
                kinds[path] = "missing"

    def _judge(self, path: str, st: Optional[os.stat_result]) -> None:
        """What `path` is from its lstat; its md5 from the cache, or queued to be read."""
        if st is None:
            self.kinds[path] = "missing"
            return
        mode = st.st_mode
        if stat.S_ISLNK(mode):  # a file replaced by a link: judge what it leads to, uncached
            target = self.fs.stat(path)
            if target is None:
                self.kinds[path] = "missing"
            elif not stat.S_ISREG(target.st_mode):
                self.kinds[path] = "other"
            else:
                self.kinds[path] = "file"
                self.small.append((path, None))
                self.hashed += 1
            return
        if not stat.S_ISREG(mode):
            self.kinds[path] = "other"
            return
        self.kinds[path] = "file"
        entry = self.known.get(path)
        if entry.__class__ is bytes and len(entry) == KNOWN.size + 16 and entry[:KNOWN.size] == \
                KNOWN.pack(st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns):
            self.digests[path] = entry[KNOWN.size:].hex()
            self.seen[path] = entry
            return
        self.hashed += 1
        if st.st_size >= LARGE and THREADS > 1:
            self._hand_over(path, st)
        else:
            self.small.append((path, st))

    def _hand_over(self, path: str, st: os.stat_result) -> None:
        if self._queue is None:
            import queue
            import threading

            self._queue = queue.SimpleQueue()
            self._workers = [threading.Thread(target=self._work, daemon=True)
                             for _ in range(THREADS - 1)]
            for worker in self._workers:
                worker.start()
        self._queue.put((path, st))

    def _work(self) -> None:
        """A worker: the large files as they are queued; after finish() queued the end, the
        small files beside the other threads."""
        while True:
            item = self._queue.get()
            if item is None:
                break
            self._hash(*item)
        self._hash_small()

    def _hash_small(self) -> None:
        small = self.small
        while True:
            try:
                path, st = small.popleft()  # atomic: threads share the pool
            except IndexError:
                return
            self._hash(path, st)

    def _hash(self, path: str, st: Optional[os.stat_result]) -> None:
        """md5 of a file, remembered with the status it had before it was read."""
        if st is not None and st.st_size < LARGE:
            digest = self._small_md5(path)
        else:
            digest = self.fs.digest(path, "md5", limit=READ_LIMIT)
        self.digests[path] = digest
        if digest is not None and st is not None and \
                max(st.st_mtime_ns, st.st_ctime_ns) < self.racy:
            self.seen[path] = KNOWN.pack(st.st_size, st.st_mtime_ns, st.st_ino,
                                         st.st_ctime_ns) + bytes.fromhex(digest)
            self.dirty = True

    def _small_md5(self, path: str) -> Optional[str]:
        """fs.digest for a small file in a directory _lstat resolved already: one open relative
        to it (O_NOFOLLOW), one read. Three quarters of the files are small, and RootFS's
        per-file resolution was a third of their cost."""
        directory, _, name = path.rpartition("/")
        resolved_dir = self._dirs.get(directory)
        if resolved_dir is None or name in ("", ".", ".."):
            return self.fs.digest(path, "md5", limit=READ_LIMIT)
        try:
            fd = self.fs.open_in(resolved_dir, name)  # O_NOFOLLOW, O_NONBLOCK, a regular file
        except OSError:
            return self.fs.digest(path, "md5", limit=READ_LIMIT)  # it notes why, or says None
        import hashlib  # OpenSSL's load: a run whose md5s all come from the cache needs none

        try:
            hasher = hashlib.md5()
            while True:
                chunk = os.read(fd, LARGE)
                if not chunk:
                    return hasher.hexdigest()
                hasher.update(chunk)
        except OSError as exc:
            self.fs.note("unreadable", path, exc.strerror or str(exc))
            return None
        finally:
            os.close(fd)

    def finish(self) -> None:
        """Hash the small files, with the workers once they are done with the large ones, then
        help with the large ones not taken yet."""
        queue = self._queue
        for _ in self._workers:
            queue.put(None)  # behind every large file: a worker that takes it turns to the pool
        self._hash_small()
        if queue is not None:
            import queue as queues

            try:
                while True:
                    item = queue.get_nowait()
                    if item is None:
                        queue.put(None)  # a worker's: every large file is taken
                        break
                    self._hash(*item)
            except queues.Empty:
                pass
        for worker in self._workers:
            worker.join()
        self._workers = []
        if self.seen.keys() != self.known.keys():
            self.dirty = True  # files no longer verified leave the cache

    def state(self, path: str, expected: str) -> str:
        """ok, missing, changed, or unknown (it could not be read: RootFS noted why)."""
        kind = self.kinds.get(path, "missing")
        if kind == "missing":
            return "missing"
        if kind == "other":
            return "changed"
        digest = self.digests.get(path)
        if digest is None:
            return "unknown"
        return "ok" if digest == expected else "changed"
