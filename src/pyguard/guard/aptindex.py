"""What Debian offers for a PyPI project, from the apt lists, through a cached index.

The lists (/var/lib/apt/lists/*_Packages, plain or compressed as this host's apt keeps them:
.gz, .lz4, .xz, .zst, .bz2) are read when the index is (re)built: after `apt update` changed
them, or when no index exists. A refusal waits for that, so it is built for speed: each list is
decompressed as a stream (pyguard.streaming: lz4 and zstd by a tool, on the other core) while only
the paragraphs that name python3 are picked out of it and read by hand, and what each list
offers is kept on its own (pyguard.cache, "apt-python-lists", keyed by the list's name, size,
mtime and inode): after `apt update` only the lists that changed are read again, mostly the
small security and updates ones. The index itself is a small marshal file ("apt-python-index")
keyed by all the lists' names, sizes and mtimes, so a refusal with a warm index reads one file.
Where bringing the index up to date would mean reading a large list (no index yet, or the main
list changed and no post-update hook read it), a refusal reads instead only the paragraphs that
can name what it was asked for (`load_for`), and once it has said so leaves the whole index to
a detached process (`complete_later`).

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

import os
import re
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .aptlists import CHUNK, list_files, list_stamp, stream_list
from .names import KNOWN_EXCEPTIONS, normalize

CACHE_NAME = "apt-python-index"
PARTS_NAME = "apt-python-lists"
FORMAT = 2
INCREMENTAL_LIMIT = 1 << 20
"""Bytes of lists (on disk) a refusal reads to bring the whole index up to date; beyond, it reads
only the paragraphs that can name its projects."""
PYTHON3 = (b"python3",)
NAMING_FIELDS = (b"Package:", b"Source:", b"Provides:")
"""The lines where a list names what a paragraph can offer."""
SHORT_NAME_PLACES = (b"python3-", b"python-", b"Package: ", b"Source: ")
"""Where a name's first part stands in every paragraph that can offer it: its python3-* package
or what that provides, a source named python-*, or the application or source of that name."""
FIELD = re.compile(rb"^(Package|Version|Architecture|Source|Provides|Depends|Pre-Depends|Section)"
                   rb":[ \t]*([^\n]*)", re.M)

Offered = Tuple[str, str, str, List[str], bool]
"""What a list has for one package: (version, source, section, python3-* it provides, whether it
is an application: no python3-* package, but depends on python3)."""


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


def _relations(value: str) -> List[str]:
    """Package names in a Depends/Provides value, without versions or architectures."""
    names = []
    for part in value.replace("|", ",").split(","):
        name = part.strip().split(" ", 1)[0].split("(", 1)[0].split(":", 1)[0]
        if name:
            names.append(name)
    return names


def _stanzas(text: bytes, needles: Sequence[bytes] = PYTHON3,
             lines: Optional[Tuple[bytes, ...]] = None) -> Iterator[bytes]:
    """The paragraphs of `text` (whole ones) that contain one of `needles`: anywhere, or with
    `lines`, on a line that starts with one of those (a common part of a name, `debian`, is in
    most paragraphs, but in the names of a few)."""
    find, rfind, startswith = text.find, text.rfind, text.startswith

    def upcoming_from(needle: bytes, start: int) -> int:
        found = find(needle, start)
        if lines is not None:
            while found >= 0 and not startswith(lines, rfind(b"\n", 0, found) + 1):
                line_end = find(b"\n", found)
                found = find(needle, line_end) if line_end >= 0 else -1
        return found

    upcoming = {needle: upcoming_from(needle, 0) for needle in needles}
    end = 0
    while True:
        at = min((found for found in upcoming.values() if found >= 0), default=-1)
        if at < 0:
            return
        start = rfind(b"\n\n", end, at)
        start = end if start < 0 else start + 2
        end = find(b"\n\n", at)
        if end < 0:
            end = len(text)
        yield text[start:end]
        for needle, found in upcoming.items():
            if 0 <= found < end:
                upcoming[needle] = upcoming_from(needle, end)


def _newer(version: str, than: str) -> bool:
    """Debian's order; a version that is not one (a list's garbage) is older than any."""
    from ..debversion import compare, valid

    try:
        return compare(version, than) > 0
    except ValueError:
        return valid(version)  # then `than` is the invalid one


def offers(chunks: Iterator[bytes], arch: str,
           needles: Sequence[bytes] = PYTHON3) -> Dict[str, Offered]:
    """What one list offers that matters here: python3-* packages and applications, for `arch`
    or all, the highest version of each. With `needles` other than PYTHON3, only of paragraphs
    whose name, source or Provides contains one of them: what can offer a package for a name."""
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
        _offers_in(text[:cut], arch, best, needles)
    _offers_in(b"".join(pending), arch, best, needles)
    return best


def _offers_in(text: bytes, arch: str, best: Dict[str, Offered],
               needles: Sequence[bytes]) -> None:
    whole = needles is PYTHON3
    for stanza in _stanzas(text, needles, None if whole else NAMING_FIELDS):
        if not whole and b"python3" not in stanza:  # neither a python3-* package nor an app
            continue
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


def _kept_part(path: str, parts: Dict) -> Tuple[Optional[Tuple], Optional[Tuple]]:
    """The list's stamp, and what it offered when last read if it has not changed since."""
    stamp_of = list_stamp(path)
    kept = parts.get(os.path.basename(path))
    if stamp_of is None or kept is None or kept[0] != stamp_of:
        kept = None
    return stamp_of, kept


def build(files: List[str], arch: str, parts: Optional[Dict] = None,
          needles: Sequence[bytes] = PYTHON3) -> Dict:
    """The index: {"packages": {pkg: (version, source, section, is_app)},
    "names": {pypi: pkg}, "apps": {pypi: pkg}, "lists": [basenames]}.

    `parts` (basename -> (list stamp, offers)) holds what lists read before offered: a list
    whose stamp is the same is not read again. The index's "parts" are those of `files`. A list
    read again gives only its paragraphs that contain one of `needles` (`load_for`)."""
    parts = parts or {}
    found: Dict[str, Tuple] = {}
    for path in files:
        stamp_of, kept = _kept_part(path, parts)
        found[os.path.basename(path)] = kept or (stamp_of,
                                                  offers(stream_list(path), arch, needles))
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
    where, key, index, parts = _cached(root, rebuild)
    return index if index is not None else _built(root, where, key, parts)


def _cached(root: str, rebuild: bool = False) -> Tuple[str, Tuple, Optional[Dict], Dict]:
    """Where, the index's key, the index if the cache holds it for that key, and the parts
    each list offered when last read (none to rebuild)."""
    from .. import cache

    where = os.path.realpath(root)
    key = stamp(root)
    if rebuild:
        return where, key, None, {}
    with cache.no_gc():
        index = cache.load(CACHE_NAME, where, key)
        parts = cache.load(PARTS_NAME, where, (FORMAT, key[1])) if index is None else None
    return where, key, index, parts if isinstance(parts, dict) else {}


def _built(root: str, where: str, key: Tuple, parts: Optional[Dict]) -> Dict:
    from .. import cache

    with cache.no_gc():
        index = build(list_files(root), key[1], parts)
        made = index.pop("parts", {})
        cache.store(CACHE_NAME, where, key, index)
        cache.store(PARTS_NAME, where, (FORMAT, key[1]), made)
    return index


def load_for(root: str, projects: Sequence[str]) -> Dict:
    """What a refusal of `projects` reads: the index as `load` gives it, unless that means
    reading more than INCREMENTAL_LIMIT of lists (the first refusal ever, or the main list
    changed and no post-update hook read it); then the index of the paragraphs that can name
    one of `projects` (the unchanged lists' parts whole), which `lookup` reads as the whole
    index for these projects and keeps nowhere (`complete_later` builds the whole one)."""
    where, key, index, parts = _cached(root)
    if index is not None:
        return index
    files = list_files(root)
    if not projects:  # only paths and URLs: which lists there are is all a refusal says
        return {"packages": {}, "names": {}, "apps": {},
                "lists": [os.path.basename(path) for path in files]}
    unread = 0
    for path in files:
        stamp_of, kept = _kept_part(path, parts)
        unread += stamp_of[1] if stamp_of is not None and kept is None else 0
    wanted = needles(projects)
    if unread <= INCREMENTAL_LIMIT or wanted is None:
        return _built(root, where, key, parts)
    index = build(files, key[1], parts, wanted)
    index.pop("parts", None)
    read_in_part.add(root)
    return index


read_in_part: set[str] = set()
"""Roots whose lists this process read in part (`load_for`): `complete_later` builds their index."""


def complete_later() -> Optional[int]:
    """After a refusal that read the lists in part: build their whole index in a process of its
    own, detached from the refusal's terminal, pipes and session, so that the refusal returns
    now and the next one reads the index ready. One builder at a time (a lock in the cache
    dir). Returns the builder's pid."""
    if not read_in_part:
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        read_in_part.clear()
        return pid
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # a caller's pipe must not wait for us
        from .. import cache

        if cache.lock(CACHE_NAME) is not None:  # one builder at a time
            for root in sorted(read_in_part):
                load(root)
    finally:
        os._exit(0)


def needles(projects: Iterable[str]) -> Optional[List[bytes]]:
    """Strings that every paragraph which can offer a package for one of `projects` has in a
    line that names it (Debian's names are lower case; only . and - vary where PyPI's
    separators were): the longest part of each normalised name (python and python3 aside,
    where another part is left), and of it without python- (which `lookup` tries too), and the
    package of a known exception. A name whose parts are all shorter than three letters (`sh`)
    is looked for by its first part where Debian's names put it (`SHORT_NAME_PLACES`). None
    for no projects, or a name whose first part is empty or the start of "python3" (`py`,
    `python-sh`): the whole index is quicker to build than what that would pick out."""

    found = set()
    for project in projects:
        key = normalize(project)
        for name in (key, key[len("python-"):] if key.startswith("python-") else ""):
            if not name:
                continue
            telling = _telling_part(name)
            if len(telling) >= 3:
                found.add(telling.encode("utf-8", "surrogateescape"))
            else:
                first = name.split("-", 1)[0].encode("utf-8", "surrogateescape")
                if not first or b"python3".startswith(first):
                    return None
                found.update(place + first for place in SHORT_NAME_PLACES)
            if name in KNOWN_EXCEPTIONS:
                found.add(KNOWN_EXCEPTIONS[name].encode())
    return sorted(found) or None


def _telling_part(name: str) -> str:
    """The longest part of a name, python and python3 aside where another is left: every
    python3-* paragraph names python."""
    parts = name.split("-")
    return max([part for part in parts if part not in ("python", "python3")] or parts, key=len)


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
