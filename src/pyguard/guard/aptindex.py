"""What Debian offers for a PyPI project, from the apt lists, through a cached index.

The lists (/var/lib/apt/lists/*_Packages, plain or compressed as this host's apt keeps them:
.gz, .lz4, .xz, .zst, .bz2) are read with python-debian when the index is (re)built: after
`apt update` changed them, or when no index exists. The index is a small marshal file under
/var/cache/pyguard (pyguard.cache; PYGUARD_CACHE_DIR wins) keyed by the lists' names, sizes
and mtimes, so a refusal with a warm index reads one file.

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
import subprocess
from typing import Dict, List, Optional, Tuple

from .names import KNOWN_EXCEPTIONS, normalize

LISTS = "var/lib/apt/lists"
SUFFIXES = ("", ".gz", ".lz4", ".xz", ".zst", ".bz2")
CACHE_NAME = "apt-python-index"
FORMAT = 1
APT_HELPER = "/usr/lib/apt/apt-helper"


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
    """What the index is built from: each list's name, size and mtime, and dpkg's architecture."""
    parts = []
    for path in list_files(root):
        try:
            st = os.stat(path)
        except OSError:
            continue
        parts.append((os.path.basename(path), st.st_size, st.st_mtime_ns))
    return (FORMAT, native_arch(root), tuple(parts))


def read_list(path: str) -> bytes:
    """A Packages file's text, decompressed as its suffix says."""
    if path.endswith(".gz"):
        import gzip
        with gzip.open(path, "rb") as f:
            return f.read()
    if path.endswith(".xz"):
        import lzma
        with lzma.open(path, "rb") as f:
            return f.read()
    if path.endswith(".bz2"):
        import bz2
        with bz2.open(path, "rb") as f:
            return f.read()
    if path.endswith((".lz4", ".zst")):
        try:
            if path.endswith(".lz4"):
                import lz4.frame  # type: ignore
                with lz4.frame.open(path, "rb") as f:
                    return f.read()
            import zstandard  # type: ignore
            with open(path, "rb") as f:
                return zstandard.ZstdDecompressor().stream_reader(f).read()
        except ImportError:
            pass
        tool = ["lz4", "-dc"] if path.endswith(".lz4") else ["zstd", "-dc"]
        for command in ([APT_HELPER, "cat-file", path], [*tool, path]):
            try:
                done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                      timeout=120, check=False)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                return done.stdout
        raise OSError(f"cannot decompress {path}: no lz4/zstd module, apt-helper or tool")
    with open(path, "rb") as f:
        return f.read()


def _relations(value: str) -> List[str]:
    """Package names in a Depends/Provides value, without versions or architectures."""
    names = []
    for part in value.replace("|", ",").split(","):
        name = part.strip().split(" ", 1)[0].split("(", 1)[0].split(":", 1)[0]
        if name:
            names.append(name)
    return names


def _stanzas(data: bytes):
    """Stanzas that may matter: python3-* packages, those providing or depending on python3."""
    for chunk in data.split(b"\n\n"):
        if b"python3" in chunk:
            yield chunk


def build(files: List[str], arch: str) -> Dict:
    """The index: {"packages": {pkg: (version, source, section, is_app)},
    "names": {pypi: pkg}, "apps": {pypi: pkg}, "lists": [basenames]}."""
    from debian.deb822 import Packages
    from debian.debian_support import version_compare

    fields = ["Package", "Version", "Architecture", "Source", "Provides", "Depends",
              "Pre-Depends", "Section"]
    best: Dict[str, Tuple[str, str, str, List[str], bool]] = {}
    for path in files:
        data = read_list(path)
        for chunk in _stanzas(data):
            stanza = Packages(chunk.decode("utf-8", "replace").splitlines(), fields=fields)
            package = stanza.get("Package")
            version = stanza.get("Version")
            if not package or not version or stanza.get("Architecture") not in (arch, "all"):
                continue
            if package in best and version_compare(best[package][0], version) >= 0:
                continue
            source = (stanza.get("Source") or package).split(" ", 1)[0]
            provides = [p for p in _relations(stanza.get("Provides", ""))
                        if p.startswith("python3-")]
            depends = _relations(stanza.get("Depends", "") + "," + stanza.get("Pre-Depends", ""))
            is_app = not package.startswith("python3-") and any(
                d == "python3" or d.startswith("python3-") for d in depends)
            if not package.startswith("python3-") and not is_app:
                continue
            best[package] = (version, source, stanza.get("Section", ""), provides, is_app)

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
    }


def load(root: str = "/", rebuild: bool = False) -> Dict:
    """The index for `root`'s lists, from the cache when its key still matches."""
    from .. import cache

    key = stamp(root)
    if not rebuild:
        with cache.no_gc():
            index = cache.load(CACHE_NAME, os.path.realpath(root), key)
        if index is not None:
            return index
    with cache.no_gc():
        index = build(list_files(root), key[1])
    cache.store(CACHE_NAME, os.path.realpath(root), key, index)
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
