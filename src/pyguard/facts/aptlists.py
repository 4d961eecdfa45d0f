"""What apt's lists in the examined root offer: the python3 apt would install, and every name.

After an admin points the sources at the next release and runs `apt update` (the documented
first step of every release upgrade), /var/lib/apt/lists describes that release: its python3
and the python3.X it depends on are what `apt full-upgrade` will install. That is read here from
the files, through RootFS like everything else of the examined root; apt is never run.

The candidate is the highest version of python3 for the root's architecture, leaving out lists
whose Release says NotAutomatic (experimental, backports), as apt's default priorities do; pins
in /etc/apt/preferences are not applied. Reading a release's Packages (50 MB and more) costs a
fraction of a second, so what is read is kept in pyguard's cache (pyguard.cache), keyed by the
lists' names, sizes and mtimes: a doctor run reads it again only after `apt update`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple

from ..rootfs import RootFS
from ..streaming import CHUNK, Corrupt, ToolFailed, ToolMissing, decompressed

LISTS = "/var/lib/apt/lists"
PACKAGES_SUFFIXES = ("_Packages", "_Packages.gz", "_Packages.xz", "_Packages.lz4",
                     "_Packages.zst", "_Packages.bz2")
RELEASE_FILES = ("InRelease", "Release")
MAX_LIST = 1 << 30
"""A Packages list larger than this is not read (Debian's main is about 60 MB)."""
CACHE_CANDIDATES = "apt-python3"
CACHE_NAMES = "apt-names"
FORMAT = 1
STANZA_START = b"\nPackage: python3\n"
NAME = re.compile(rb"^Package:[ \t]*(\S+)", re.M)
DEPENDS_PYTHON = re.compile(r"(?<![\w.+-])python(3\.\d+)(?![\w.+-])")


@dataclass(frozen=True)
class Candidate:
    """A python3 package some list offers."""

    version: str
    python: str
    """The python3.X it depends on, "3.13"; empty if it names none."""
    codename: str
    """Codename of the list's release ("trixie"); empty when its Release file does not say."""
    source: str
    """The list it comes from, a path inside the root."""


@dataclass(frozen=True)
class AptLists:
    files: Tuple[str, ...]
    """The Packages lists read, paths inside the root."""
    candidates: Tuple[Candidate, ...]
    """Every python3 for the root's architecture from a list apt installs from by default."""

    @property
    def python3(self) -> Optional[Candidate]:
        """The python3 `apt full-upgrade` installs: the highest version offered."""
        if len(self.candidates) <= 1:
            return self.candidates[0] if self.candidates else None
        from functools import cmp_to_key

        from ..debversion import compare, valid

        offered = [c for c in self.candidates if valid(c.version)]  # garbage offers nothing
        if not offered:
            return None
        return max(offered, key=cmp_to_key(lambda a, b: compare(a.version, b.version)))


def list_files(fs: RootFS) -> List[str]:
    return sorted(f"{LISTS}/{n}" for n in fs.listdir(LISTS) if n.endswith(PACKAGES_SUFFIXES))


def _stamp(fs: RootFS, arch: str) -> Tuple:
    """What the lists are, cheaply: each list's and Release file's name, size and mtime."""
    parts = []
    for name in sorted(fs.listdir(LISTS)):
        if name.endswith(PACKAGES_SUFFIXES) or name.endswith(RELEASE_FILES):
            st = fs.lstat(f"{LISTS}/{name}")
            if st is not None:
                parts.append((name, st.st_size, st.st_mtime_ns))
    return (FORMAT, arch, tuple(parts))


def read_apt_lists(fs: RootFS, arch: str) -> AptLists:
    """The python3 candidates of the root's lists, from the cache while the lists are unchanged."""
    from .. import cache

    key = _stamp(fs, arch)
    cached = cache.load(CACHE_CANDIDATES, fs.root, key)
    if cached is None:
        cached = _build(fs, arch, key, names=False)[0]
    files, candidates = cached
    return AptLists(tuple(files), tuple(Candidate(*c) for c in candidates))


def package_names(fs: RootFS, arch: str) -> FrozenSet[str]:
    """Every package name the lists offer (any architecture): what apt can still get. Asked only
    when an upgrade is ahead: collecting the names is most of the cost of reading the lists."""
    from .. import cache

    key = _stamp(fs, arch)
    with cache.no_gc():
        names = cache.load(CACHE_NAMES, fs.root, key)
    if names is None:
        names = _build(fs, arch, key, names=True)[1]
    return frozenset(names)


def _build(fs: RootFS, arch: str, key: Tuple, names: bool
           ) -> Tuple[Tuple[List[str], List[Tuple[str, ...]]], List[str]]:
    from .. import cache

    with cache.no_gc():
        files, candidates, found = _scan(fs, arch, names)
        value = (files, candidates)
        cache.store(CACHE_CANDIDATES, fs.root, key, value)
        if names:
            cache.store(CACHE_NAMES, fs.root, key, found)
    return value, found


def _scan(fs: RootFS, arch: str, names: bool = False
          ) -> Tuple[List[str], List[Tuple[str, ...]], List[str]]:
    """(lists, python3 candidates, every package name when `names`) of the root's lists, each
    decompressed as a stream and read a megabyte of whole paragraphs at a time."""
    files = list_files(fs)
    releases: Dict[str, Tuple[str, bool]] = {}
    candidates: List[Tuple[str, ...]] = []
    found: set = set()
    for path in files:
        manual = None
        for block, end in _paragraphs(fs, path):
            if names:
                found.update(n.decode("utf-8", "replace") for n in NAME.findall(block, 0, end))
            if manual is None:
                codename, manual = _release_of(fs, path, releases)
            if manual:
                if not names:
                    break
                continue
            for stanza in _python3_stanzas(block, end):
                fields = _fields(stanza.decode("utf-8", "replace"))
                if fields.get("Architecture") not in (arch, "all") or not fields.get("Version"):
                    continue
                depends = fields.get("Depends", "") + ", " + fields.get("Pre-Depends", "")
                match = DEPENDS_PYTHON.search(depends)
                candidates.append((fields["Version"], match.group(1) if match else "",
                                   codename, path))
    return files, candidates, sorted(found)


def _paragraphs(fs: RootFS, path: str) -> Iterator[Tuple[bytes, int]]:
    """A list's text, decompressed, as (block, end): block[:end] holds whole paragraphs, about
    a megabyte of them (the whole of a release's Packages, 50 MB and more, is never in memory
    at once, and no block is copied to be cut)."""
    pending: List[bytes] = []
    size = 0
    for chunk in _decompressed(fs, path):
        pending.append(chunk)
        size += len(chunk)
        if size < CHUNK:
            continue
        text = b"".join(pending) if len(pending) > 1 else pending[0]
        cut = text.rfind(b"\n\n")
        if cut < 0:
            pending, size = [text], len(text)
            continue
        pending, size = [text[cut + 1:]], len(text) - cut - 1
        yield text, cut + 1
    if pending:
        text = b"".join(pending)
        yield text, len(text)


def _python3_stanzas(data: bytes, end: int):
    """The paragraphs of package python3 in data[:end] (one per architecture a list holds)."""
    needle = STANZA_START[1:]
    start = data.find(needle, 0, end)
    while start >= 0:
        if start == 0 or data[start - 1] == 10:  # at the start of a line
            stop = data.find(b"\n\n", start, end)
            yield data[start: stop if stop >= 0 else end]
        start = data.find(needle, start + 1, end)


def _fields(stanza: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for line in stanza.split("\n"):
        key, sep, value = line.partition(":")
        if sep and line[:1] not in (" ", "\t"):
            out[key.strip()] = value.strip()
    return out


def _release_of(fs: RootFS, path: str, seen: Dict[str, Tuple[str, bool]]) -> Tuple[str, bool]:
    """(codename, NotAutomatic) of the Release file a list came with: the longest prefix of
    the list's name (split at _) that names one, as apt names them."""
    parts = path.rsplit("/", 1)[1].split("_")
    for end in range(len(parts) - 1, 0, -1):
        prefix = "_".join(parts[:end])
        for suffix in RELEASE_FILES:
            release = f"{LISTS}/{prefix}_{suffix}"
            if release in seen:
                return seen[release]
            text = fs.read_text(release, limit=1 << 24)
            if text is None:
                continue
            head = text.split("\nSHA256:", 1)[0].split("\nMD5Sum:", 1)[0]
            codename = re.search(r"^Codename:[ \t]*(\S+)", head, re.M)
            manual = re.search(r"^NotAutomatic:[ \t]*yes", head, re.M | re.I)
            seen[release] = (codename.group(1) if codename else "", bool(manual))
            return seen[release]
    return "", False


def _decompressed(fs: RootFS, path: str) -> Iterator[bytes]:
    """A list's text in chunks, decompressed as its suffix says, read from a descriptor of the
    list that RootFS opened (lz4 and zstd by a tool reading that descriptor on its own core);
    a list that cannot be read or decompressed is noted and yields nothing more."""
    directory, _, name = path.rpartition("/")
    resolved = fs.resolve(directory)
    try:
        if resolved is None:
            return
        fd = fs.open_in(resolved, name)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        fs.note("unreadable", path, exc.strerror or str(exc))
        return
    try:
        size = os.fstat(fd).st_size
        if size > MAX_LIST:
            fs.note("too-large", path, f"{size} bytes, more than the {MAX_LIST} read")
            return
        yield from decompressed(fd, path)  # lz4 and zstd by the host's tools, never the root's
    except (ToolMissing, ToolFailed) as exc:
        fs.note("unreadable", path, f"cannot decompress: {exc}")
    except Corrupt as exc:
        fs.note("unreadable", path, str(exc))
    except OSError as exc:
        fs.note("unreadable", path, exc.strerror or str(exc))
    finally:
        os.close(fd)
