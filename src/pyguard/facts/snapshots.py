"""Venv snapshots as the doctor reads them: what a venv held when `pyguard report` last found it
healthy (pyguard.report.snapshots writes them and says why they exist).

Where: one JSON file per venv, named by the sha256 of the venv's path, in the snapshot dir of the
examined root (`snapshot_dir`): STATE/venvs for `/`, STATE/venvs-<hash of DIR> for --root DIR,
next to the report state of that root. The doctor looks there (the host's state dir,
pyguard.statedir, as the report that examined the same root wrote it) and in the examined root's
own /var/lib/pyguard/venvs (what the system's own cron or timer wrote, when pyguard examines a
rescue-mounted disk); the newer valid snapshot of a venv wins. A snapshot that is not valid
(corrupt, foreign, another venv's) is noted and the venv's metadata is used instead: it never
fails the doctor.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from ..rootfs import RootFS

FORMAT = "pyguard-venv-snapshot/1"
ROOT_OWN_DIR = "/var/lib/pyguard/venvs"
"""The snapshot dir a root's own `pyguard report` (run as root on `/`) writes, inside that root."""
MAX_SIZE = 4 << 20
"""A snapshot larger than this is not read (a venv of thousands of projects is ~300 KB)."""

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_REQUIREMENT = re.compile(
    rf"{_NAME}==[A-Za-z0-9][A-Za-z0-9.+!_-]*"  # NAME==VERSION
    rf"|--editable=/\S[^\n]*"  # an editable install of a directory
    rf"|{_NAME} @ [A-Za-z][A-Za-z0-9+.-]*:\S+")  # NAME @ git+URL@COMMIT
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
SITE_KIND = "site"
"""`kind` of a snapshot of a site directory outside any venv; a venv's snapshot has no kind (its
format came first), so a reader that knows only venvs never takes one for the other."""


@dataclass(frozen=True)
class Snapshot:
    """What a venv held when a report last found it healthy."""

    venv: str
    """The venv's path inside the examined root."""
    time: float
    date: str
    """The day it was recorded, YYYY-MM-DD (local time of the run that recorded it)."""
    made_with: str
    """The Python version pyvenv.cfg recorded then, "3.11.2"."""
    packages: Tuple[Any, ...]
    """VenvPackage tuples (pyguard.facts.venvs), pip and setuptools included."""
    source: str
    """The snapshot file (notes name it): a host path for the host's state, a path inside the
    root for the root's own."""


@dataclass(frozen=True)
class SiteSnapshot:
    """What pip had installed in a site directory outside any venv when it was recorded."""

    site: str
    time: float
    date: str
    python: str
    """The python3.X the site belongs to, "3.11"."""
    packages: Tuple[Any, ...]
    """VenvPackage tuples, as a venv snapshot's."""
    programs: Tuple[str, ...]
    """The programs pip wrote for them (/usr/local/bin/NAME)."""
    source: str


def snapshot_dir(state_directory: str, root: str) -> str:
    """The snapshot dir of an examined root (absolute, symlinks resolved) in a state dir; named
    like pyguard.report.state.state_file so each root keeps its own."""
    if root == "/":
        return os.path.join(state_directory, "venvs")
    digest = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return os.path.join(state_directory, f"venvs-{digest}")


def snapshot_name(venv: str) -> str:
    """The file name of a venv's snapshot: the sha256 of its path inside the root."""
    return hashlib.sha256(venv.encode("utf-8", "surrogateescape")).hexdigest() + ".json"


def read_host_file(path: str) -> Optional[bytes]:
    """A host file's bytes, never through a symlink; None when absent or unreadable. What was
    read is noted in the run's journal (pyguard.journal): it is outside the examined root."""
    from ..journal import host_read

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        host_read(path, exc)
        return None
    try:
        host_read(path, os.fstat(fd))
        with os.fdopen(fd, "rb") as f:
            return f.read(MAX_SIZE + 1)
    except OSError as exc:
        host_read(path, exc)
        return None


def host_state_dir() -> str:
    """The state dir this user's `pyguard report` uses (pyguard.statedir)."""
    from ..statedir import state_dir

    return state_dir()


def _sources(fs: RootFS, path: str, state_directory: Optional[str]) -> List[Tuple[str, bytes, str]]:
    """(file, bytes, root it must name) of the snapshot of `path` in the host's state for this
    root and in the root's own /var/lib/pyguard/venvs; an unusable host file is noted."""
    root = fs.root
    directory = snapshot_dir(state_directory or host_state_dir(), root)
    name = snapshot_name(path)
    host_file = os.path.join(directory, name)
    data = read_host_file(host_file)
    if data is None and os.path.lexists(host_file):
        fs.note("venv-snapshot", host_file, "cannot be read (a symlink, or no permission); "
                                            "the metadata is used instead")
    sources = [(host_file, data, root)]
    own = f"{ROOT_OWN_DIR}/{name}"
    own_dir = fs.resolve(ROOT_OWN_DIR)
    if own_dir is not None and os.path.realpath(fs.host_path(own_dir)) != os.path.realpath(directory):
        sources.append((own, fs.read_bytes(own, limit=MAX_SIZE), "/"))  # named as inside
    return [(source, raw, expected) for source, raw, expected in sources if raw is not None]


def find_snapshot(fs: RootFS, venv: Any, state_directory: Optional[str] = None
                  ) -> Optional[Snapshot]:
    """The newest valid snapshot of `venv` (a pyguard.facts.venvs.Venv) of the root `fs` reads:
    from the host's state for that root, and from the root's own /var/lib/pyguard/venvs. A file
    that is there but not usable is noted on `fs` (code venv-snapshot) and skipped."""
    candidates: List[Snapshot] = []
    for source, raw, expected_root in _sources(fs, venv.path, state_directory):
        try:
            candidates.append(parse(raw, expected_root, venv.path, source))
        except ValueError as exc:
            fs.note("venv-snapshot", source, f"not used ({exc}); the venv's metadata is used "
                                             "instead")
    if not candidates:
        return None
    best = max(candidates, key=lambda s: s.time)
    if venv.made_with and best.made_with and best.made_with != venv.made_with:
        fs.note("venv-snapshot", best.source,
                f"not used: it is of a venv made with Python {best.made_with}, but {venv.path} "
                f"was made with Python {venv.made_with} since; the venv's metadata is used instead")
        return None
    return best


def find_site_snapshot(fs: RootFS, site: str, state_directory: Optional[str] = None
                       ) -> Optional["SiteSnapshot"]:
    """The newest valid snapshot of a site directory (/usr/local/lib/python3.X/dist-packages,
    ~/.local/lib/python3.X/site-packages), found and judged as find_snapshot does."""
    candidates: List[SiteSnapshot] = []
    for source, raw, expected_root in _sources(fs, site, state_directory):
        try:
            candidates.append(parse_site(raw, expected_root, site, source))
        except ValueError as exc:
            fs.note("venv-snapshot", source, f"not used ({exc}); the metadata is used instead")
    return max(candidates, key=lambda s: s.time) if candidates else None


def parse(data: bytes, root: str, venv: str, source: str = "") -> Snapshot:
    """A snapshot file's contents, checked to be the snapshot of `venv` in `root`; ValueError
    says why not. Requirements must look like what pyguard writes: a snapshot must not be able to
    hand pip an option (--index-url, -r FILE)."""
    from .venvs import VenvPackage

    doc = _document(data)
    if doc.get("root") != root or doc.get("venv") != venv:
        raise ValueError(f"it is the snapshot of {doc.get('venv')!r} in {doc.get('root')!r}, "
                         f"not of {venv!r} in {root!r}")
    try:
        stamp = float(doc["time"])
        date = doc["date"]
        made_with = doc["python"]
        if not isinstance(date, str) or not _DATE.fullmatch(date):
            raise ValueError(f"bad date {date!r}")
        if not isinstance(made_with, str):
            raise TypeError("python is not a string")
        packages = _packages(doc["packages"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"its content is damaged ({type(exc).__name__}: {exc})") from None
    return Snapshot(venv, stamp, date, made_with, packages, source)


def _packages(entries: Any) -> Tuple[Any, ...]:
    """VenvPackage of each entry; `hash` is optional (snapshots written before it have none)."""
    from .venvs import HASH, VenvPackage

    packages = []
    for entry in entries:
        fields = [entry[k] for k in ("name", "version", "installer", "requirement")]
        fields.append(entry.get("hash", ""))
        if not all(isinstance(f, str) for f in fields):
            raise TypeError(f"a package entry is not all strings: {entry!r}")
        if not _REQUIREMENT.fullmatch(fields[3]):
            raise ValueError(f"{fields[3]!r} is not a requirement pyguard writes")
        if fields[4] and not HASH.fullmatch(fields[4]):
            raise ValueError(f"{fields[4]!r} is not a hash pyguard writes")
        packages.append(VenvPackage(*fields))
    return tuple(packages)


def parse_site(data: bytes, root: str, site: str, source: str = "") -> "SiteSnapshot":
    """A site snapshot file's contents (kind "site"), checked as parse checks a venv's."""
    doc = _document(data)
    if doc.get("kind") != SITE_KIND or doc.get("root") != root or doc.get("site") != site:
        raise ValueError(f"it is not the snapshot of the site {site!r} in {root!r}")
    try:
        stamp = float(doc["time"])
        date = doc["date"]
        python = doc["python"]
        if not isinstance(date, str) or not _DATE.fullmatch(date):
            raise ValueError(f"bad date {date!r}")
        if not isinstance(python, str):
            raise TypeError("python is not a string")
        programs = tuple(doc.get("programs", ()))
        if not all(isinstance(p, str) and p.startswith("/") for p in programs):
            raise TypeError("programs are not paths")
        packages = _packages(doc["packages"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"its content is damaged ({type(exc).__name__}: {exc})") from None
    return SiteSnapshot(site, stamp, date, python, packages, programs, source)


def _document(data: bytes) -> dict:
    if len(data) > MAX_SIZE:
        raise ValueError(f"it is larger than {MAX_SIZE} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"it is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"it is not a pyguard venv snapshot ({FORMAT})")
    return doc
