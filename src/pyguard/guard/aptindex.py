"""What Debian offers for a PyPI project, from the apt lists, through a cached index.

The lists (/var/lib/apt/lists/*_Packages, plain or compressed as this host's apt keeps them:
.gz, .lz4, .xz, .zst, .bz2) are read when the index is (re)built: after `apt update` changed
them, or when no index exists. A refusal waits for that, so it is built for speed: each list is
decompressed as a stream (lz4 and zstd by apt-helper or the tool, on the other core) while only
the paragraphs that name python3 are picked out of it and read by hand, and what each list
offers is kept on its own (pyguard.cache, "apt-python-lists", keyed by the list's name, size,
mtime and inode): after `apt update` only the lists that changed are read again, mostly the
small security and updates ones. The index itself is a small marshal file ("apt-python-index")
keyed by all the lists' names, sizes and mtimes, so a refusal with a warm index reads one file.

PyPI name -> Debian package, the way Debian names them (Debian Python Policy: the binary
package of the module NAME is python3-NAME, lower case, and the source package is named after
the upstream project, or python-PROJECT):
  1. a known exception (names.KNOWN_EXCEPTIONS) whose package is in the lists;
  2. a package python3-NAME, NAME compared PEP 503-normalised (python3-zope.interface is
     zope-interface);
  3. a package that Provides python3-NAME (python3-pil provides python3-pillow);
  4. the main python3-* package of a source package named NAME or python-NAME
     (source pyyaml -> python3-yaml, python-attrs -> python3-attr, scikit-learn ->
     python3-sklearn).
A non-python3 package named NAME that depends on python3 (black, httpie, yt-dlp) marks NAME as
an application: pipx is the advice for it, and the Debian package is its command.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
from typing import Dict, Iterator, List, Optional, Tuple

from .names import KNOWN_EXCEPTIONS, normalize

LISTS = "var/lib/apt/lists"
SUFFIXES = ("", ".gz", ".lz4", ".xz", ".zst", ".bz2")
CACHE_NAME = "apt-python-index"
PARTS_NAME = "apt-python-lists"
FORMAT = 2
APT_HELPER = "/usr/lib/apt/apt-helper"
CHUNK = 1 << 20
FIELD = re.compile(rb"^(Package|Version|Architecture|Source|Provides|Depends|Pre-Depends|Section)"
                   rb":[ \t]*([^\n]*)", re.M)

Offered = Tuple[str, str, str, List[str], bool]
"""What a list has for one package: (version, source, section, python3-* it provides, whether it
is an application: no python3-* package, but depends on python3)."""


def list_files(root: str = "/") -> List[str]:
    directory = os.path.join(root, LISTS)
    found = []
    for suffix in SUFFIXES:
        found += glob.glob(os.path.join(glob.escape(directory), "*_Packages" + suffix))
    return sorted(found)


def native_arch(root: str = "/") -> str:
    try:
        with open(os.path.join(root, "var/lib/dpkg/arch"), encoding="utf-8") as f:
            first = f.readline().strip()
            if first:
                return first
    except OSError:
        pass
    import platform
    return {"x86_64": "amd64", "aarch64": "arm64", "i686": "i386", "armv7l": "armhf",
            "ppc64le": "ppc64el", "s390x": "s390x", "riscv64": "riscv64"}.get(
                platform.machine(), platform.machine())


def stamp(root: str = "/") -> Tuple:
    """What the index is built from: each list's name, size, mtime and inode (apt replaces a
    list it updates), and dpkg's architecture."""
    return (FORMAT, native_arch(root),
            tuple(filter(None, (list_stamp(path) for path in list_files(root)))))


def read_list(path: str) -> bytes:
    """A Packages file's text, decompressed as its suffix says."""
    return b"".join(stream_list(path))


def stream_list(path: str) -> Iterator[bytes]:
    """A Packages file's text in chunks, decompressed as its suffix says, as it comes."""
    if path.endswith(".gz"):
        import zlib
        return _inflated(path, zlib.decompressobj(16 + zlib.MAX_WBITS))
    if path.endswith(".xz"):
        import lzma
        return _inflated(path, lzma.LZMADecompressor())
    if path.endswith(".bz2"):
        import bz2
        return _inflated(path, bz2.BZ2Decompressor())
    if path.endswith((".lz4", ".zst")):
        try:
            if path.endswith(".lz4"):
                import lz4.frame  # type: ignore
                return _inflated(path, lz4.frame.LZ4FrameDecompressor())
            import zstandard  # type: ignore
            return _inflated(path, zstandard.ZstdDecompressor().decompressobj())
        except ImportError:
            return _piped(path)
    return _inflated(path, None)


def _inflated(path: str, decompressor) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while True:
            raw = f.read(CHUNK)
            if not raw:
                return
            yield decompressor.decompress(raw) if decompressor is not None else raw


def _piped(path: str) -> Iterator[bytes]:
    """lz4 and zstd without a Python module: apt's own apt-helper, else the tool, decompressing
    on its own core while the chunks are read here."""
    tool = ["lz4", "-dc"] if path.endswith(".lz4") else ["zstd", "-dc"]
    for command in ([APT_HELPER, "cat-file", path], [*tool, path]):
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
        except OSError:
            continue
        got = False
        try:
            while True:
                chunk = process.stdout.read1(CHUNK)  # type: ignore[union-attr]
                if not chunk:
                    break
                got = True
                yield chunk
        finally:
            process.stdout.close()  # type: ignore[union-attr]
            code = process.wait()
        if code == 0:
            return
        if got:
            raise OSError(f"{command[0]} failed on {path} (exit {code})")
    raise OSError(f"cannot decompress {path}: no lz4/zstd module, apt-helper or tool")


def _relations(value: str) -> List[str]:
    """Package names in a Depends/Provides value, without versions or architectures."""
    names = []
    for part in value.replace("|", ",").split(","):
        name = part.strip().split(" ", 1)[0].split("(", 1)[0].split(":", 1)[0]
        if name:
            names.append(name)
    return names


def _stanzas(text: bytes) -> Iterator[bytes]:
    """The paragraphs of `text` (whole ones) that name python3 anywhere."""
    end = 0
    at = text.find(b"python3")
    while at >= 0:
        start = text.rfind(b"\n\n", end, at)
        start = end if start < 0 else start + 2
        end = text.find(b"\n\n", at)
        if end < 0:
            end = len(text)
        yield text[start:end]
        at = text.find(b"python3", end)


def _newer(version: str, than: str) -> bool:
    from debian.debian_support import version_compare

    return version_compare(version, than) > 0


def offers(chunks: Iterator[bytes], arch: str) -> Dict[str, Offered]:
    """What one list offers that matters here: python3-* packages and applications, for `arch`
    or all, the highest version of each."""
    best: Dict[str, Offered] = {}
    pending: List[bytes] = []
    size = 0
    for chunk in chunks:  # a pipe gives 64 KiB at a time: scan a megabyte at once
        pending.append(chunk)
        size += len(chunk)
        if size < CHUNK:
            continue
        text = b"".join(pending)
        cut = text.rfind(b"\n\n")
        if cut < 0:
            pending, size = [text], len(text)
            continue
        pending, size = [text[cut:]], len(text) - cut
        _offers_in(text[:cut], arch, best)
    _offers_in(b"".join(pending), arch, best)
    return best


def _offers_in(text: bytes, arch: str, best: Dict[str, Offered]) -> None:
    for stanza in _stanzas(text):
        fields = dict(FIELD.findall(stanza))
        package = fields.get(b"Package", b"").strip().decode("utf-8", "replace")
        version = fields.get(b"Version", b"").strip().decode("utf-8", "replace")
        if not package or not version or \
                fields.get(b"Architecture", b"").strip().decode("ascii", "replace") not in (arch, "all"):
            continue
        if package.startswith("python3-"):
            is_app = False
        else:  # an application: it depends on python3 or a python3-* package
            depends = fields.get(b"Depends", b"") + b"," + fields.get(b"Pre-Depends", b"")
            if b"python3" not in depends:
                continue
            is_app = any(d == "python3" or d.startswith("python3-")
                         for d in _relations(depends.decode("utf-8", "replace")))
            if not is_app:
                continue
        if package in best and not _newer(version, best[package][0]):
            continue
        source = (fields.get(b"Source", b"").decode("utf-8", "replace").strip() or package)
        provided = fields.get(b"Provides", b"")
        provides = [p for p in _relations(provided.decode("utf-8", "replace"))
                    if p.startswith("python3-")] if b"python3-" in provided else []
        best[package] = (version, source.split(" ", 1)[0],
                         fields.get(b"Section", b"").decode("utf-8", "replace").strip(),
                         provides, is_app)


def list_stamp(path: str) -> Optional[Tuple]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (os.path.basename(path), st.st_size, st.st_mtime_ns, st.st_ino)


def build(files: List[str], arch: str, parts: Optional[Dict] = None) -> Dict:
    """The index: {"packages": {pkg: (version, source, section, is_app)},
    "names": {pypi: pkg}, "apps": {pypi: pkg}, "lists": [basenames]}.

    `parts` (basename -> (list stamp, offers)) holds what lists read before offered: a list
    whose stamp is the same is not read again. The index's "parts" are those of `files`."""
    parts = parts or {}
    found: Dict[str, Tuple] = {}
    for path in files:
        stamp_of = list_stamp(path)
        kept = parts.get(os.path.basename(path))
        if stamp_of is not None and kept is not None and kept[0] == stamp_of:
            found[os.path.basename(path)] = kept
        else:
            found[os.path.basename(path)] = (stamp_of, offers(stream_list(path), arch))
    best: Dict[str, Offered] = {}
    for _, offered in found.values():
        for package, offer in offered.items():
            if package not in best or _newer(offer[0], best[package][0]):
                best[package] = offer

    names: Dict[str, str] = {}
    ranks: Dict[str, int] = {}

    def offer(name: str, package: str, rank: int) -> None:
        key = normalize(name)
        if key and (key not in ranks or rank < ranks[key]):
            names[key], ranks[key] = package, rank

    by_source: Dict[str, List[str]] = {}
    apps: Dict[str, str] = {}
    for package, (version, source, section, provides, is_app) in best.items():
        if is_app:
            apps[normalize(package)] = package
            continue
        offer(package[len("python3-"):], package, 2)
        for provided in provides:
            offer(provided[len("python3-"):], package, 3)
        if not package.endswith(("-dbg", "-doc", "-dev")):
            by_source.setdefault(source, []).append(package)
    for source, packages in by_source.items():
        main = min(packages, key=lambda p: (len(p), p))
        offer(source, main, 4)
        if source.startswith("python-"):
            offer(source[len("python-"):], main, 4)
    for pypi, package in KNOWN_EXCEPTIONS.items():
        if package in best:
            offer(pypi, package, 1)
    return {
        "packages": {p: (v[0], v[1], v[2], v[4]) for p, v in best.items()},
        "names": names,
        "apps": apps,
        "lists": [os.path.basename(f) for f in files],
        "parts": found,
    }


def load(root: str = "/", rebuild: bool = False) -> Dict:
    """The index for `root`'s lists, from the cache when its key still matches; else built,
    reading again only the lists that changed since the last build."""
    from .. import cache

    where = os.path.realpath(root)
    key = stamp(root)
    if not rebuild:
        with cache.no_gc():
            index = cache.load(CACHE_NAME, where, key)
        if index is not None:
            return index
    with cache.no_gc():
        parts = cache.load(PARTS_NAME, where, (FORMAT, key[1])) if not rebuild else None
        index = build(list_files(root), key[1], parts if isinstance(parts, dict) else None)
        made = index.pop("parts", {})
        cache.store(CACHE_NAME, where, key, index)
        cache.store(PARTS_NAME, where, (FORMAT, key[1]), made)
    return index


class Offer:
    """What Debian has for one PyPI project: its python3 package and/or its application."""

    __slots__ = ("project", "package", "version", "app", "app_version")

    def __init__(self, project, package="", version="", app="", app_version=""):
        self.project = project
        self.package = package
        self.version = version
        self.app = app
        self.app_version = app_version

    def __repr__(self) -> str:
        return (f"Offer({self.project!r}, {self.package!r}, {self.version!r}, {self.app!r}, "
                f"{self.app_version!r})")


def lookup(index: Dict, project: str) -> Offer:
    key = normalize(project)
    packages = index.get("packages", {})
    offer = Offer(project)
    package: Optional[str] = index.get("names", {}).get(key)
    if package is None and key.startswith("python-"):
        package = index.get("names", {}).get(key[len("python-"):])
    if package and package in packages:
        offer.package, offer.version = package, packages[package][0]
    app = index.get("apps", {}).get(key)
    if app and app in packages:
        offer.app, offer.app_version = app, packages[app][0]
    return offer
