"""What pip installed outside any venv: /usr/local/lib/python3.X/dist-packages (root's pip with
--break-system-packages, or before PEP 668) and each login user's ~/.local/lib/python3.X/
site-packages (pip install --user), for every python3.X directory on disk, whether or not that
Python is still there: a release upgrade leaves the old ones behind.

Only projects dpkg does not own count. Their programs are the scripts pip wrote for them (the
RECORD's entries in the prefix's bin/), with the interpreter their shebang names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..rootfs import RootFS
from .dpkg import DpkgDatabase
from .sites import SiteDir, installation_prefix, login_homes, normalize, read_site
from .venvs import PROVIDED_BY_VENV, VenvPackage, package_of

VERSION_DIR = re.compile(r"python(3\.\d+)")
SHEBANG = re.compile(rb"#![ \t]*(\S+)(?:[ \t]+(\S+))?")
EXTENSION_TAG = re.compile(r"\.cpython-(3\d+)[a-z]*-[^/]*\.so$")


@dataclass(frozen=True)
class Program:
    """A script pip wrote into the prefix's bin/ for a project."""

    path: str
    interpreter: str
    """What its shebang runs: /usr/bin/python3, /usr/bin/python3.11 (for `env python3`,
    python3); empty when it has none."""
    project: str


@dataclass(frozen=True)
class Installation:
    """pip's projects in one site directory outside a venv."""

    site: SiteDir
    packages: Tuple[VenvPackage, ...]
    programs: Tuple[Program, ...]
    extensions: Tuple[str, ...]
    """Compiled modules built for this site's Python (cpython-311-...so), as RECORD lists them."""
    moves: Tuple[str, ...]
    """What pip put there for them (metadata, top-level modules, programs): the paths a repair
    moves aside, as RECORD lists them inside the prefix."""

    @property
    def version(self) -> str:
        return self.site.version or ""

    @property
    def prefix(self) -> str:
        return installation_prefix(self.site.path)

    @property
    def requirements(self) -> Tuple[str, ...]:
        """pip arguments that install the same projects (pip and setuptools come with a venv)."""
        return tuple(p.requirement for p in self.packages
                     if normalize(p.name) not in PROVIDED_BY_VENV)


def gather_installations(facts) -> Tuple[Installation, ...]:  # facts: pyguard.facts.Facts
    return find_installations(facts.fs, facts.dpkg)


def find_installations(fs: RootFS, dpkg: DpkgDatabase) -> Tuple[Installation, ...]:
    """Every site directory outside a venv that holds something pip installed, by path."""
    found = (read_installation(fs, dpkg, site) for site in site_dirs_on_disk(fs))
    return tuple(i for i in found if i is not None)


def site_dirs_on_disk(fs: RootFS) -> Tuple[SiteDir, ...]:
    """/usr/local/lib/python3.X/dist-packages and the login users' ~/.local/lib/python3.X/
    site-packages that exist, by path, whichever Python they belong to."""
    sites: List[SiteDir] = []
    for name in fs.listdir("/usr/local/lib"):
        m = VERSION_DIR.fullmatch(name)
        if m:
            sites.append(SiteDir(f"/usr/local/lib/{name}/dist-packages", "local", m.group(1)))
    for user, home in login_homes(fs):
        for name in fs.listdir(f"{home}/.local/lib"):
            m = VERSION_DIR.fullmatch(name)
            if m:
                sites.append(SiteDir(f"{home}/.local/lib/{name}/site-packages", "user",
                                     m.group(1), user))
    return tuple(sorted((site for site in sites if fs.is_dir(site.path)), key=lambda s: s.path))


def read_installation(fs: RootFS, dpkg: DpkgDatabase, site: SiteDir) -> Optional[Installation]:
    contents = read_site(fs, dpkg, site)
    distributions = [d for d in contents.distributions if not d.owners]
    if not distributions:
        return None
    prefix = installation_prefix(site.path)
    bin_dir = prefix.rstrip("/") + "/bin/"
    tag = "3" + (site.version or "").partition(".")[2]
    packages, programs, extensions, moves = [], [], [], []
    modules = {m.name: m for m in contents.modules}
    for dist in sorted(distributions, key=lambda d: d.normalized_name):
        packages.append(package_of(fs, dist, prefix))
        moves.append(dist.metadata)
        for name in dist.top_level:
            module = modules.get(name)
            if module is not None and not module.owners:
                moves.append(module.path)
        for path in dist.record:
            if path.startswith(bin_dir) and "/" not in path[len(bin_dir):]:
                programs.append(Program(path, shebang(fs, path), dist.name))
            m = EXTENSION_TAG.search(path)
            if m and m.group(1) == tag and fs.lstat(path) is not None:
                extensions.append(path)
            if not path.endswith(".pyc") and "/__pycache__/" not in path and \
                    not any(path == p or path.startswith(p + "/") for p in moves) and \
                    fs.lstat(path) is not None and not dpkg.owners(path):
                moves.append(path)
    programs = [p for p in programs if fs.lstat(p.path) is not None]
    return Installation(site, tuple(packages), tuple(programs), tuple(extensions),
                        tuple(dict.fromkeys(moves)))


def shebang(fs: RootFS, path: str) -> str:
    """The interpreter a script's #! line runs (`env NAME` gives NAME); "" without one."""
    data = fs.read_bytes(path, limit=1 << 20) or b""
    m = SHEBANG.match(data.split(b"\n", 1)[0])
    if not m:
        return ""
    program = m.group(1).decode("utf-8", "replace")
    if program.rsplit("/", 1)[-1] == "env" and m.group(2):
        return m.group(2).decode("utf-8", "replace")
    return program


def left_behind(fs: RootFS, dpkg: DpkgDatabase, version: str) -> str:
    """Why nothing will run Python `version` again, or "" while the system still has it: its
    /usr/bin/python3.X is gone, or no list apt reads has python3.X any more (what a release
    upgrade leaves behind). A deadsnakes python3.12 beside Ubuntu's default is not left behind;
    without apt lists (a slim image) only a missing interpreter tells."""
    binary = f"/usr/bin/python{version}"
    if not fs.is_file(binary):
        return f"{binary} is gone"
    from .aptlists import list_files, package_names

    if not list_files(fs) or f"python{version}" in package_names(fs, dpkg.native_arch):
        return ""
    return (f"{binary} is still installed, but no release in the apt lists has python{version} "
            "any more: it gets no updates, and apt autoremove removes it")
