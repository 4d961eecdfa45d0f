"""Virtual environments under the usual places, what each was made with and what it holds.

A virtual environment is a directory with a pyvenv.cfg. What pyvenv.cfg says (the `version` it
was made with, the `home` of its base interpreter) is compared with what the venv's bin/python
runs today, read from names on disk as facts.python does for /usr/bin/python3: nothing in the
venv is run or imported. A Debian 12 -> 13 upgrade removes Python 3.11, and every venv made
before it then either runs 3.13 without its 3.11 site-packages or has a dangling bin/python.

What a venv held is read from the *.dist-info of its site-packages (facts.sites). For a broken
venv, the snapshot `pyguard report` recorded while it still worked (pyguard.facts.snapshots)
takes its place when there is one: an upgrade may have left the metadata partly gone. Checks only
use `Venv.packages`, `Venv.requirements` and `Venv.recorded`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from typing import Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ..rootfs import RootFS
from .dpkg import DpkgDatabase
from .python import follow_python3
from .sites import METADATA_SUFFIXES, normalize, read_distribution

DEFAULT_VENV_ROOTS: Tuple[str, ...] = ("/srv", "/opt", "/home", "/root", "/var/www")
VENV_ROOTS_ENV = "PYGUARD_VENV_ROOTS"
MAX_DEPTH = 4
"""How far below a scan root a venv may be: /home/alice/projects/app/.venv is 4 deep."""
MAX_DIRS = 20000
"""Directories looked at per run at most, so a huge /home cannot make doctor crawl."""
SKIP_DIRS = frozenset((".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox",
                       "site-packages", "dist-packages", "lib", "lib64", "include", "share",
                       ".cache"))
"""Never descended into: large trees that hold no venv (an interpreter's or a venv's own lib,
include and share, caches), and tox/nox's own throwaway venvs."""
SKIP_TOP = frozenset(("proc", "sys", "dev", "run"))
"""Kernel file systems, skipped when / itself is a scan root."""
PROVIDED_BY_VENV = frozenset(("pip", "setuptools"))
"""What `python3 -m venv` installs itself (ensurepip); never pinned when a venv is remade."""
VERSION = re.compile(r"(3\.\d+)(?:\.\d+)?")
SITE_LIB = re.compile(r"python(3\.\d+)")
HASH = re.compile(r"(?:sha256|sha384|sha512)=[0-9a-f]{32,128}")


@dataclass(frozen=True)
class VenvPackage:
    """A project installed in a venv."""

    name: str
    version: str
    installer: str
    """INSTALLER's contents (pip, uv, ...), empty when absent."""
    requirement: str
    """One pip argument that installs it again: NAME==VERSION, --editable=DIR for an editable
    install of a directory outside the venv, NAME @ git+URL@COMMIT for a VCS install."""
    hash: str = ""
    """The archive's hash as pip recorded it for a project installed from a URL (PEP 610
    archive_info, "sha256=HEX"); empty when pip recorded none (installs from an index)."""
    metadata: str = ""
    """The *.dist-info (or *.egg-info) it was read from; empty when it comes from a snapshot."""


@dataclass(frozen=True)
class Venv:
    """One virtual environment and the state of its interpreter."""

    path: str
    """The venv directory, symlinks resolved, as a path inside the root."""
    config: Tuple[Tuple[str, str], ...]
    """pyvenv.cfg's key = value lines, in file order."""
    made_with: str
    """The version pyvenv.cfg records (`version` or `version_info`), "3.11.2"; may be empty."""
    home: str
    """pyvenv.cfg's home: the directory of the base interpreter."""
    system_site_packages: bool
    interpreter: str
    """The venv's bin/python3 (or bin/python)."""
    interpreter_target: str
    """Where that link finally leads, inside the root."""
    interpreter_kind: str
    """What is there: file, missing, loop, dir, other."""
    runs: Optional[str]
    """The python3.X the interpreter runs, told from names on disk; None if it cannot be told."""
    site_packages: Tuple[str, ...]
    """lib/python3.X/site-packages of the version it was made with (all of them if unknown)."""
    packages: Tuple[VenvPackage, ...]
    owner: Tuple[int, int]
    """uid and gid of the venv directory."""
    problem: str
    """Empty when the venv works; else why it does not, as the end of a sentence."""
    recorded: str = ""
    """The day (YYYY-MM-DD) of the snapshot `packages` come from; empty when they were read
    from the venv's metadata."""
    pipx_home: str = ""
    """PIPX_HOME when the venv is pipx's (facts.pipx): one of its apps, or its own shared venv;
    pipx remakes both itself."""
    uv_tools: str = ""
    """uv's tool directory when the venv is one of uv's tools (facts.uv)."""

    @property
    def pipx_app(self) -> bool:
        from .pipx import is_pipx_app

        return is_pipx_app(self.path, self.pipx_home)

    @property
    def made_minor(self) -> str:
        """"3.11" of made_with; empty when pyvenv.cfg names no version."""
        m = VERSION.match(self.made_with)
        return m.group(1) if m else ""

    @property
    def requirements(self) -> Tuple[str, ...]:
        """pip arguments that put the same projects back (pip and setuptools excepted)."""
        return tuple(p.requirement for p in self.packages
                     if normalize(p.name) not in PROVIDED_BY_VENV)

    @property
    def healthy(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Venvs:
    roots: Tuple[str, ...]
    """The directories searched, as given."""
    venvs: Tuple[Venv, ...]


def venv_roots(cli: Sequence[str] = (), configured: Optional[Sequence[str]] = None,
               environ: Optional[Mapping[str, str]] = None) -> Tuple[str, ...]:
    """Where to look for venvs: --venv-root, else $PYGUARD_VENV_ROOTS, else the config file's
    [venvs] roots, else the usual places. Paths are inside the examined root."""
    environ = os.environ if environ is None else environ
    if cli:
        return tuple(cli)
    from_env = [p for p in environ.get(VENV_ROOTS_ENV, "").split(":") if p]
    if from_env:
        return tuple(from_env)
    if configured:
        return tuple(configured)
    return DEFAULT_VENV_ROOTS


def gather_venvs(facts) -> Venvs:  # facts: pyguard.facts.Facts (not imported: no cycle)
    from ..config import venv_roots as configured_roots

    roots = venv_roots(configured=configured_roots())
    venvs = find_venvs(facts.fs, facts.dpkg, roots)
    return Venvs(roots, tuple(with_snapshot(facts.fs, v) for v in venvs))


def with_snapshot(fs: RootFS, venv: Venv) -> Venv:
    """A broken venv with the projects its last snapshot recorded, when there is a usable one
    (pyguard.facts.snapshots); a working venv, or one with none, as its metadata says."""
    if venv.healthy:
        return venv
    from .snapshots import find_snapshot

    snapshot = find_snapshot(fs, venv)
    if snapshot is None:
        return venv
    return replace(venv, packages=snapshot.packages, recorded=snapshot.date)


def find_venvs(fs: RootFS, dpkg: DpkgDatabase, roots: Iterable[str]) -> Tuple[Venv, ...]:
    """Every venv at most MAX_DEPTH below one of `roots`, or among those pipx, pipenv and
    poetry keep in the homes there, sorted by path.

    Where they are is kept between runs while every directory the search listed stays as it
    was (pyguard.memo): the search lists a thousand directories to find a few venvs.
    """
    from ..memo import kept_reading
    from .pipx import home_venv_dirs

    roots = tuple(roots)
    roots = tuple(home_venv_dirs(fs, roots)) + roots  # first: the search marks what it has seen
    found = kept_reading("venv-search", fs, roots, lambda own: venv_dirs(own, roots))
    return tuple(read_venv(fs, dpkg, path) for path in found)


def venv_dirs(fs: RootFS, roots: Sequence[str]) -> Tuple[str, ...]:
    """The venv directories below `roots`, sorted.

    Symlinked directories are followed only when they lead to a place inside one of the roots
    (RootFS never leaves the examined root anyway); each venv is found once, by its real path.
    """
    resolved_roots = []
    for root in roots:
        real = fs.resolve(root)
        if real is not None and fs.is_dir(real):
            resolved_roots.append(real.rstrip("/") or "/")
    found: List[str] = []
    seen: Set[str] = set()
    budget = [MAX_DIRS, 0]
    """Directories still to look at, and how many were left out for want of them."""
    for root in resolved_roots:
        _search(fs, root, 0, resolved_roots, seen, found, budget)
    if budget[1]:
        fs.note("too-many-dirs", ", ".join(resolved_roots),
                f"looked at {MAX_DIRS} directories for virtual environments, not further")
    return tuple(sorted(found))


def _inside(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _search(fs: RootFS, directory: str, depth: int, roots: Sequence[str], seen: Set[str],
            found: List[str], budget: List[int]) -> None:
    if directory in seen:
        return
    if budget[0] <= 0:
        budget[1] += 1
        return
    seen.add(directory)
    budget[0] -= 1
    entries = fs.entries(directory, resolved=True)  # a resolved root, or a "dir" entry below
    if ("pyvenv.cfg", "file") in entries or (("pyvenv.cfg", "link") in entries
                                             and fs.is_file(f"{directory}/pyvenv.cfg")):
        found.append(directory)
        return
    if depth >= MAX_DEPTH:
        return
    for name, kind in entries:
        if name in SKIP_DIRS or (directory == "/" and name in SKIP_TOP):
            continue
        child = f"{directory.rstrip('/')}/{name}"
        if kind == "link":
            target = fs.resolve(child)
            if target is None or not _inside(target, roots) or not fs.is_dir(target):
                continue
            child = target
        elif kind != "dir":
            continue
        _search(fs, child, depth + 1, roots, seen, found, budget)


def read_config(text: str) -> Tuple[Tuple[str, str], ...]:
    """pyvenv.cfg as venv, virtualenv and uv write it: `key = value` lines."""
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not line.lstrip().startswith(("#", ";")):
            out.append((key.strip().lower(), value.strip()))
    return tuple(out)


def read_venv(fs: RootFS, dpkg: DpkgDatabase, path: str) -> Venv:
    config = read_config(fs.read_text(f"{path}/pyvenv.cfg", limit=1 << 16) or "")
    values = dict(reversed(config))  # the first of a repeated key wins, as for Python itself
    made_with = values.get("version") or values.get("version_info", "")
    m = VERSION.match(made_with)
    made_with = ".".join(made_with.split(".")[:3]) if m else ""
    made_minor = m.group(1) if m else ""
    home = values.get("home", "").rstrip("/") or ("/" if values.get("home") else "")
    system = values.get("include-system-site-packages", "").lower() == "true"

    interpreter = next((f"{path}/bin/{n}" for n in ("python3", "python")
                        if fs.lstat(f"{path}/bin/{n}") is not None), f"{path}/bin/python3")
    link = follow_python3(fs, dpkg, interpreter)

    from .pipx import pipx_home_of
    from .uv import repaired_in_place, uv_tools_of

    uv_tools = uv_tools_of(fs, path)
    runs = link.version
    in_place = bool(uv_tools and runs and made_minor and runs != made_minor
                    and repaired_in_place(fs, path, runs))
    site_minor = runs if in_place else made_minor  # uv leaves pyvenv.cfg as it was (facts.uv)
    libs = [m2.group(1) for m2 in (SITE_LIB.fullmatch(n) for n in fs.listdir(f"{path}/lib")) if m2]
    sites = [f"{path}/lib/python{v}/site-packages" for v in libs
             if not site_minor or v == site_minor]
    sites = [s for s in sites if fs.is_dir(s)]
    packages = tuple(p for site in sites for p in read_packages(fs, dpkg, site, path))
    st = fs.stat(path)
    owner = (st.st_uid, st.st_gid) if st is not None else (0, 0)
    venv = Venv(path=path, config=config, made_with=made_with, home=home,
                system_site_packages=system, interpreter=interpreter,
                interpreter_target=link.final, interpreter_kind=link.kind, runs=runs,
                site_packages=tuple(sites), packages=packages, owner=owner, problem="")
    problem = diagnose(fs, replace(venv, made_with=runs) if in_place else venv)
    return replace(venv, problem=problem, pipx_home=pipx_home_of(fs, path), uv_tools=uv_tools)


def read_packages(fs: RootFS, dpkg: DpkgDatabase, site: str, venv: str) -> Tuple[VenvPackage, ...]:
    """The projects in one site-packages, by name, from their metadata only."""
    out = []
    for entry in fs.listdir(site):
        if not entry.endswith(METADATA_SUFFIXES):
            continue
        dist = read_distribution(fs, dpkg, site, f"{site}/{entry}")
        if dist is None or not dist.name:
            continue
        out.append(package_of(fs, dist, venv))
    return tuple(sorted(out, key=lambda p: normalize(p.name)))


def package_of(fs: RootFS, dist, prefix: str) -> VenvPackage:
    """An installed project (a facts.sites.Distribution) and how pip installs it again; an
    editable source below `prefix` (the venv, ~/.local) goes aside with it and is not named."""
    requirement = _direct_requirement(fs, dist.metadata, dist.name, prefix)
    return VenvPackage(dist.name, dist.version, dist.installer,
                       requirement or f"{dist.name}=={dist.version}",
                       _archive_hash(fs, dist.metadata), dist.metadata)


def _archive_hash(fs: RootFS, metadata: str) -> str:
    """"sha256=HEX" of the archive a project was installed from, as PEP 610 records it."""
    text = fs.read_text(f"{metadata}/direct_url.json", limit=1 << 16)
    try:
        info = json.loads(text).get("archive_info") if text else None
    except (ValueError, AttributeError):
        return ""
    if not isinstance(info, dict):
        return ""
    hashes = info.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        value = "sha256=" + hashes["sha256"]
    else:
        value = info.get("hash") if isinstance(info.get("hash"), str) else ""
    return value if HASH.fullmatch(value) else ""


def _direct_requirement(fs: RootFS, metadata: str, name: str, venv: str) -> str:
    """How to reinstall a project that did not come from an index (PEP 610 direct_url.json)."""
    text = fs.read_text(f"{metadata}/direct_url.json", limit=1 << 16)
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return ""
    url = data["url"]
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id")
        return f"{name} @ {vcs['vcs']}+{url}" + (f"@{commit}" if isinstance(commit, str) else "")
    dir_info = data.get("dir_info")
    if isinstance(dir_info, dict) and dir_info.get("editable") and url.startswith("file://"):
        source = url[len("file://"):]
        if not _inside(source, [venv]):  # a checkout inside the venv goes aside with it
            return f"--editable={source}"
    return ""


def diagnose(fs: RootFS, venv: Venv) -> str:
    """Why the venv no longer works, or "" when nothing says it is broken."""
    interpreter = venv.interpreter
    if venv.interpreter_kind == "missing":
        if venv.interpreter_target == interpreter:
            return f"it has no {interpreter}"
        return f"its interpreter {interpreter} leads to {venv.interpreter_target}, which does not exist"
    if venv.interpreter_kind == "loop":
        return f"its interpreter {interpreter} is a loop of symbolic links"
    if venv.interpreter_kind != "file":
        return f"its interpreter {interpreter} leads to {venv.interpreter_target}, which is not a program"
    runs = venv.runs
    if runs and venv.made_minor and runs != venv.made_minor:
        where = " and ".join(venv.site_packages) or f"{venv.path}/lib/python{venv.made_minor}"
        return (f"{interpreter} now runs Python {runs} ({venv.interpreter_target}), which does "
                f"not look in {where}")
    version = runs or venv.made_minor
    if version and venv.home and not _stdlib_found(fs, venv.home, version):
        prefix = venv.home.rsplit("/", 1)[0] or "/"
        return f"the standard library of Python {version}, {prefix.rstrip('/')}/lib/python{version}, is gone"
    return ""


def _stdlib_found(fs: RootFS, home: str, version: str) -> bool:
    """Whether Python finds its standard library from `home`, as getpath does: the landmark
    lib/python3.X/os.py (or lib/python3X.zip) in home or any directory above it."""
    directory = home
    while True:
        base = directory.rstrip("/")
        if fs.is_file(f"{base}/lib/python{version}/os.py") or \
                fs.is_file(f"{base}/lib/python{version.replace('.', '')}.zip"):
            return True
        if not base:
            return False
        directory = base.rsplit("/", 1)[0]
