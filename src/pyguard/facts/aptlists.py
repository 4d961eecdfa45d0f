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

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from ..rootfs import RootFS

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
        if not self.candidates:
            return None
        if len(self.candidates) == 1:
            return self.candidates[0]
        from functools import cmp_to_key

        from debian.debian_support import version_compare

        return max(self.candidates, key=cmp_to_key(lambda a, b: version_compare(a.version,
                                                                                b.version)))


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
        cached = _build(fs, arch, key)
    files, candidates = cached
    return AptLists(tuple(files), tuple(Candidate(*c) for c in candidates))


def package_names(fs: RootFS, arch: str) -> FrozenSet[str]:
    """Every package name the lists offer (any architecture): what apt can still get."""
    from .. import cache

    key = _stamp(fs, arch)
    with cache.no_gc():
        names = cache.load(CACHE_NAMES, fs.root, key)
    if names is None:
        _build(fs, arch, key)
        with cache.no_gc():
            names = cache.load(CACHE_NAMES, fs.root, key)
    if names is None:  # no cache to be had: read them once more, for this run
        names = _scan(fs, arch)[2]
    return frozenset(names)


def _build(fs: RootFS, arch: str, key: Tuple) -> Tuple[List[str], List[Tuple[str, ...]]]:
    from .. import cache

    with cache.no_gc():
        files, candidates, names = _scan(fs, arch)
        value = (files, candidates)
        cache.store(CACHE_CANDIDATES, fs.root, key, value)
        cache.store(CACHE_NAMES, fs.root, key, names)
    return value


def _scan(fs: RootFS, arch: str) -> Tuple[List[str], List[Tuple[str, ...]], List[str]]:
    files = list_files(fs)
    releases: Dict[str, Tuple[str, bool]] = {}
    candidates: List[Tuple[str, ...]] = []
    names: set = set()
    for path in files:
        data = _decompressed(fs, path)
        if data is None:
            continue
        names.update(n.decode("utf-8", "replace") for n in NAME.findall(data))
        codename, manual = _release_of(fs, path, releases)
        if manual:
            continue
        for stanza in _python3_stanzas(data):
            fields = _fields(stanza.decode("utf-8", "replace"))
            if fields.get("Architecture") not in (arch, "all") or not fields.get("Version"):
                continue
            depends = fields.get("Depends", "") + ", " + fields.get("Pre-Depends", "")
            found = DEPENDS_PYTHON.search(depends)
            candidates.append((fields["Version"], found.group(1) if found else "", codename, path))
    return files, candidates, sorted(names)


def _python3_stanzas(data: bytes):
    """The paragraphs of package python3 (one per architecture a list holds)."""
    data = b"\n" + data
    start = data.find(STANZA_START)
    while start >= 0:
        end = data.find(b"\n\n", start + 1)
        yield data[start + 1: end if end >= 0 else len(data)]
        start = data.find(STANZA_START, start + 1)


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


def _decompressed(fs: RootFS, path: str) -> Optional[bytes]:
    raw = fs.read_bytes(path, limit=MAX_LIST)
    if raw is None:
        return None
    try:
        if path.endswith(".gz"):
            import gzip
            return gzip.decompress(raw)
        if path.endswith(".xz"):
            import lzma
            return lzma.decompress(raw)
        if path.endswith(".bz2"):
            import bz2
            return bz2.decompress(raw)
        if path.endswith((".lz4", ".zst")):
            return _external(raw, path)
    except (OSError, ValueError, EOFError) as exc:
        fs.note("unreadable", path, f"cannot decompress: {exc}")
        return None
    return raw


def _external(raw: bytes, path: str) -> bytes:
    """lz4 and zstd lists (Ubuntu's images keep them so): a Python module where there is
    one, else this host's own tool reading the bytes on stdin (never the examined root's)."""
    import subprocess

    try:
        if path.endswith(".lz4"):
            import lz4.frame  # type: ignore
            return lz4.frame.decompress(raw)
        import zstandard  # type: ignore
        return zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    except ImportError:
        pass
    tool = ["lz4", "-dc"] if path.endswith(".lz4") else ["zstd", "-dc"]
    try:
        done = subprocess.run(tool, input=raw, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OSError(f"no {tool[0]} to read it with ({exc})") from None
    if done.returncode != 0:
        raise OSError(f"{tool[0]} failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout
