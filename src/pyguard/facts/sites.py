"""Site directories and what is installed in each, read from metadata files only."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Optional, Tuple

from ..rootfs import RootFS
from .dpkg import DpkgDatabase

DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
METADATA_SUFFIXES = (".dist-info", ".egg-info")
PREFIX = re.compile(r"^(.*?)/lib(?:32|64)?/python3(?:\.\d+)?/(?:site|dist)-packages$")
MODULE_FILE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\.[^.]+)*\.(?:py|so|pyc)$")


@dataclass(frozen=True)
class SiteDir:
    """A directory on some interpreter's sys.path where third-party code lands."""

    path: str
    kind: str
    """debian (/usr/lib/python3/dist-packages), stdlib (/usr/lib/python3.X), local
    (/usr/local/lib/python3.X/dist-packages) or user (~/.local/lib/python3.X/site-packages)."""
    version: Optional[str]
    """The python3.X it belongs to; None for Debian's version-independent dist-packages."""
    user: Optional[str] = None


@dataclass(frozen=True)
class Distribution:
    """An installed project: its *.dist-info or *.egg-info and what it says about itself."""

    site: str
    metadata: str
    """Path of the metadata directory (or the egg-info file of a distutils install)."""
    name: str
    version: str
    installer: str
    """INSTALLER's contents (pip, debian, ...), empty when absent."""
    record: Tuple[str, ...]
    """Absolute paths RECORD lists inside the installation's prefix; empty without a RECORD."""
    top_level: Tuple[str, ...]
    owners: Tuple[str, ...]
    """dpkg packages owning the metadata; empty when dpkg knows nothing of it."""
    outside: Tuple[str, ...] = ()
    """RECORD entries that lead outside the installation's prefix (absolute, or climbing out
    with ..), as written: never acted on, reported by record-outside-installation."""

    @property
    def normalized_name(self) -> str:
        return normalize(self.name)


@dataclass(frozen=True)
class Module:
    """A top-level importable name in a site directory (package dir, module file or .pth)."""

    site: str
    name: str
    path: str
    owners: Tuple[str, ...]


@dataclass(frozen=True)
class SiteContents:
    site: SiteDir
    distributions: Tuple[Distribution, ...]
    modules: Tuple[Module, ...]
    """Every entry that is not metadata or a bytecode cache, owned or not."""


KEPT_TYPES = (SiteContents, SiteDir, Distribution, Module)


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def site_dirs(fs: RootFS, versions: Iterable[str]) -> Tuple[SiteDir, ...]:
    """Debian's dist-packages, each stdlib, /usr/local's, root's and login users' sites."""
    versions = sorted(set(versions), key=lambda v: tuple(int(p) for p in v.split(".")))
    out: List[SiteDir] = [SiteDir(DEBIAN_DIST_PACKAGES, "debian", None)]
    out += [SiteDir(f"/usr/lib/python{v}", "stdlib", v) for v in versions]
    out += [SiteDir(f"/usr/local/lib/python{v}/dist-packages", "local", v) for v in versions]
    for user, home in login_homes(fs):
        out += [SiteDir(f"{home}/.local/lib/python{v}/site-packages", "user", v, user)
                for v in versions]
    return tuple(site for site in out if fs.is_dir(site.path))


def login_homes(fs: RootFS) -> List[Tuple[str, str]]:
    """root and the human accounts (UID 1000-59999) from /etc/passwd, with their homes."""
    homes: List[Tuple[str, str]] = []
    for line in (fs.read_text("/etc/passwd") or "").splitlines():
        fields = line.split(":")
        if len(fields) < 7 or not fields[2].isdigit() or not fields[5].startswith("/"):
            continue
        uid = int(fields[2])
        if uid == 0 or 1000 <= uid < 60000:
            homes.append((fields[0], fields[5].rstrip("/") or "/"))
    return homes


def read_site(fs: RootFS, dpkg: DpkgDatabase, site: SiteDir) -> SiteContents:
    """What is installed in `site`, with dpkg's owner of each entry.

    The listing and the metadata are kept between runs while every file and directory they
    were read from stays as it was (pyguard.memo): a run after a dpkg run or a venv change
    reads again only the sites that changed. The owners are looked up afresh each run.
    """
    from ..memo import kept_reading

    key = (site.path, site.kind, site.version, site.user)
    found = kept_reading(_kept_as(site.path), fs, key,
                         lambda own: site_listing(own, site), KEPT_TYPES)
    return SiteContents(
        site,
        tuple(replace(d, owners=dpkg.owners(d.metadata)) for d in found.distributions),
        tuple(replace(m, owners=dpkg.owners(m.path)) for m in found.modules))


def forget_vanished_sites(fs: RootFS, sites: Iterable[SiteDir]) -> None:
    """Drop the kept listings of site directories that are no longer there (a user removed,
    an interpreter upgraded away), which no run would read again."""
    from ..memo import forget_all_but

    forget_all_but("site-", fs.root, [_kept_as(site.path) for site in sites])


def _kept_as(path: str) -> str:
    from ..cache import digest

    return f"site-{digest(path)[:8]}"


def site_listing(fs: RootFS, site: SiteDir) -> SiteContents:
    """What is installed in `site`, as its metadata says; no owners yet."""
    distributions: List[Distribution] = []
    modules: List[Module] = []
    for entry in fs.listdir(site.path):
        path = f"{site.path}/{entry}"
        if entry.endswith(METADATA_SUFFIXES):
            dist = read_distribution(fs, None, site.path, path)
            if dist is not None:
                distributions.append(dist)
            continue
        if entry == "__pycache__":
            continue
        name = module_name(entry, fs.is_dir(path))
        if name:
            modules.append(Module(site.path, name, path, ()))
    return SiteContents(site, tuple(distributions), tuple(modules))


def module_name(entry: str, is_dir: bool) -> Optional[str]:
    """The import name an entry provides: `gi` for gi/, `six` for six.py, `_gi` for _gi.*.so."""
    if is_dir:
        return entry if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", entry) else None
    if entry.endswith(".pth"):
        return entry
    m = MODULE_FILE.fullmatch(entry)
    return m.group("name") if m else None


def read_distribution(fs: RootFS, dpkg: Optional[DpkgDatabase], site: str,
                      path: str) -> Optional[Distribution]:
    """The distribution whose metadata is at `path`; its owners from `dpkg` (none without)."""
    if fs.is_dir(path):
        meta_file = "METADATA" if path.endswith(".dist-info") else "PKG-INFO"
        headers = _headers(fs.read_text(f"{path}/{meta_file}", limit=1 << 20) or "")
        installer = (fs.read_text(f"{path}/INSTALLER", limit=4096) or "").strip()
        record, outside = _confined(fs, *_record(fs, f"{path}/RECORD", site), site)
        top_text = fs.read_text(f"{path}/top_level.txt", limit=1 << 20)
    elif fs.is_file(path):  # a distutils install: the egg-info is a single PKG-INFO file
        headers = _headers(fs.read_text(path, limit=1 << 20) or "")
        installer, record, outside, top_text = "", (), (), None
    else:
        return None
    stem = path.rsplit("/", 1)[1].rsplit(".", 1)[0]
    fallback_name, _, fallback_version = stem.partition("-")
    if top_text is not None:
        top_level = tuple(sorted({line.strip().split("/")[0] for line in top_text.splitlines()
                                  if line.strip()}))
    else:
        top_level = _top_level_from_record(record, site)
    return Distribution(
        site=site,
        metadata=path,
        name=headers.get("Name", fallback_name),
        version=headers.get("Version", fallback_version.split("-")[0]),
        installer=installer,
        record=record,
        top_level=top_level,
        owners=dpkg.owners(path) if dpkg is not None else (),
        outside=outside,
    )


def _headers(text: str) -> Dict[str, str]:
    headers: Dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and not line[0].isspace() and key not in headers:
            headers[key] = value.strip()
    return headers


def _record(fs: RootFS, path: str, site: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(absolute, normalised paths inside the installation's prefix, entries leading outside)
    from a RECORD file (CSV: path,hash,size).

    A RECORD is data whoever installed the project wrote, a user in her own site included: it
    may name only what that installation put in its own scheme directories (site, scripts,
    headers, data: all below the prefix). pip uninstall as root would delete whatever else it
    lists; pyguard never acts on it and says so.
    """
    text = fs.read_text(path)
    if not text:
        return (), ()
    import csv

    prefix = installation_prefix(site).rstrip("/") + "/"
    paths, outside = [], []
    rows = csv.reader(text.splitlines())
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a field past csv's limit: that row only, said
            fs.note("corrupt", path, f"a row was skipped: {exc}")
            continue
        if row and row[0]:
            rel = row[0]
            joined = _normpath(rel if rel.startswith("/") else f"{site}/{rel}")
            if joined.startswith(prefix):
                paths.append(joined)
            else:
                outside.append(rel)
    return tuple(dict.fromkeys(paths)), tuple(dict.fromkeys(outside))


def _confined(fs: RootFS, record: Tuple[str, ...], outside: Tuple[str, ...], site: str
              ) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """Entries whose directory a symlink leads out of the prefix join the outside ones: her
    `evil -> /etc` makes `evil/shadow` name /etc/shadow however it is spelled."""
    prefix = fs.resolve(installation_prefix(site)) or "/nonexistent"
    inside, out = [], list(outside)
    for path in record:
        parent = fs.resolve(path.rsplit("/", 1)[0] or "/")
        if parent is not None and (parent + "/").startswith(prefix.rstrip("/") + "/"):
            inside.append(path)
        else:
            out.append(path)
    return tuple(inside), tuple(out)


def installation_prefix(site: str) -> str:
    """The prefix whose scheme a site directory belongs to: /usr/local for its dist-packages,
    ~/.local for a user site, the venv for a venv's, /usr for Debian's own."""
    m = PREFIX.match(site)
    return m.group(1) or "/" if m else site


def _top_level_from_record(record: Tuple[str, ...], site: str) -> Tuple[str, ...]:
    names = set()
    prefix = site + "/"
    for path in record:
        if not path.startswith(prefix):
            continue
        first = path[len(prefix):].split("/", 1)
        head = first[0]
        if head.endswith(METADATA_SUFFIXES) or head == "__pycache__":
            continue
        name = module_name(head, len(first) > 1)
        if name and not name.endswith(".pth"):
            names.add(name)
    return tuple(sorted(names))


def _normpath(path: str) -> str:
    out: List[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return "/" + "/".join(out)
