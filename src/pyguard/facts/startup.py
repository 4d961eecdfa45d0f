"""Start-up hooks: code site.py runs in every Python process before the program itself.

Two kinds exist. Lines of a .pth file that start with "import " or "import\\t" are executed by
site.py, for every .pth file in a site-packages directory (on Debian: /usr/local/lib/python3.X/
dist-packages, /usr/lib/python3/dist-packages, /usr/lib/python3.X/dist-packages and the user
site), but not in the standard library directory. And after the site directories are on sys.path,
site.py imports the first `sitecustomize` and, when the user site is enabled (root's included),
the first `usercustomize` module found anywhere on sys.path.

Nothing here is imported or run: files are read, and compared with what dpkg shipped.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from typing import List, Optional, Tuple

from . import Facts
from .sites import SiteDir

CUSTOMIZE = ("sitecustomize", "usercustomize")
MODULE = re.compile(r"(?P<name>sitecustomize|usercustomize)(?:\.py|\.pyc|(?:\.[A-Za-z0-9_-]+)?\.so)")
PACKAGE_INIT = re.compile(r"__init__(?:\.py|\.pyc|(?:\.[A-Za-z0-9_-]+)?\.so)")
EXECUTED = ("import ", "import\t")
LINE_LIMIT = 100
"""How much of a line a finding shows: enough to recognise it, short enough for a terminal."""


@dataclass(frozen=True)
class Shipped:
    """How a hook compares with what dpkg installed at its path."""

    package: str
    """The package that owns the path."""
    state: str
    """"" (as shipped), "modified" (content differs), "replaced" (dpkg shipped a link there, or a
    file, and something else is there now), "relinked" (a shipped link now leads to a file its
    package does not ship)."""
    file: str
    """The file whose state is judged: the path itself, or the end of a shipped link."""
    file_package: str
    """The package owning `file` (the link's package, or the owner of the link's target)."""
    conffile: bool
    """`file` is a conffile: a reinstall keeps a changed one unless it is gone first."""


@dataclass(frozen=True)
class StartupHook:
    """A file site.py runs code from at start-up."""

    path: str
    """As it appears in the site directory (a .pth file, sitecustomize.py, a package dir)."""
    kind: str
    """pth, sitecustomize or usercustomize."""
    site: SiteDir
    line: str
    """The first line that runs: an import line of a .pth, the first statement of a module;
    empty for compiled code."""
    compiled: bool
    owners: Tuple[str, ...]
    shipped: Optional[Shipped]
    """None when dpkg owns nothing at `path`."""
    target: str
    """Where `path` leads once symlinks are followed (equal to path when it is no link)."""

    @property
    def as_shipped(self) -> bool:
        return self.shipped is not None and not self.shipped.state


@dataclass(frozen=True)
class StartupHooks:
    hooks: Tuple[StartupHook, ...]
    """Every start-up hook found, owned and as shipped ones included, in sys.path order."""


def hook_sites(facts: Facts) -> Tuple[SiteDir, ...]:
    """Where hooks are looked for: facts.site_dirs, plus directories on sys.path it leaves out.

    /usr/lib/python3.X/dist-packages is a site-packages directory of Debian's site.py (it reads
    its .pth files) though nothing is installed there; lib-dynload is on sys.path, so a compiled
    sitecustomize there is imported.
    """
    extra: List[SiteDir] = []
    for site in facts.site_dirs:
        if site.kind == "stdlib":
            for sub, kind in (("dist-packages", "stdlib-dist"), ("lib-dynload", "lib-dynload")):
                path = f"{site.path}/{sub}"
                if facts.fs.is_dir(path):
                    extra.append(SiteDir(path, kind, site.version))
    return tuple(facts.site_dirs) + tuple(extra)


def reads_pth(site: SiteDir) -> bool:
    """Whether site.py processes .pth files in this directory (not the stdlib, not lib-dynload)."""
    return site.kind in ("debian", "local", "user", "stdlib-dist")


def gather_startup_hooks(facts: Facts) -> StartupHooks:
    fs = facts.fs
    found: List[StartupHook] = []
    for site in hook_sites(facts):
        for name in fs.listdir(site.path):
            path = f"{site.path}/{name}"
            if name.endswith(".pth") and reads_pth(site):
                if name.startswith(".") and _skips_hidden(facts, site):
                    continue
                text = fs.read_text(path, limit=1 << 20)
                if text is None:
                    continue
                line = first_executed_pth_line(text)
                if line:
                    found.append(_hook(facts, site, path, "pth", line, False))
                continue
            module = MODULE.fullmatch(name)
            if module and fs.is_file(path):
                compiled = not name.endswith(".py")
                line = "" if compiled else first_statement(fs.read_text(path, limit=1 << 20) or "")
                found.append(_hook(facts, site, path, module.group("name"), line, compiled))
            elif name in CUSTOMIZE and fs.is_dir(path):
                init = next((n for n in fs.listdir(path) if PACKAGE_INIT.fullmatch(n)), None)
                if init is None:
                    continue  # a namespace package: importing it runs nothing
                compiled = not init.endswith(".py")
                line = "" if compiled else first_statement(
                    fs.read_text(f"{path}/{init}", limit=1 << 20) or "")
                found.append(_hook(facts, site, path, name, line, compiled))
    return StartupHooks(tuple(found))


def _skips_hidden(facts: Facts, site: SiteDir) -> bool:
    """Python 3.13's site.py skips .pth files whose names start with a dot; 3.11's reads them.

    Debian's dist-packages serves every installed interpreter, so there a hidden .pth counts
    as long as one of them still reads it.
    """
    versions = [site.version] if site.version else [i.version for i in facts.interpreters]
    return bool(versions) and all(_version_key(v) >= (3, 13) for v in versions)


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def first_executed_pth_line(text: str) -> str:
    """The first line site.py would exec(), exactly as site.addpackage() decides it."""
    for line in text.lstrip("\ufeff").splitlines():
        if line.startswith("#"):
            continue
        if line.startswith(EXECUTED):
            return shorten(line)
    return ""


def first_statement(text: str) -> str:
    """The first line of Python source that is not blank or a comment."""
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return shorten(line)
    return ""


def shorten(line: str) -> str:
    line = line.strip()
    return line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 3].rstrip() + "..."


def _hook(facts: Facts, site: SiteDir, path: str, kind: str, line: str,
          compiled: bool) -> StartupHook:
    owners = facts.dpkg.owners(path)
    target = facts.fs.resolve(path) or path
    return StartupHook(path=path, kind=kind, site=site, line=line, compiled=compiled,
                       owners=owners, shipped=_shipped(facts, path, owners) if owners else None,
                       target=target)


def _shipped(facts: Facts, path: str, owners: Tuple[str, ...]) -> Shipped:
    """Compare a dpkg-owned hook with what its package shipped."""
    fs, dpkg = facts.fs, facts.dpkg
    package = owners[0]
    st = fs.lstat(path)
    if st is not None and stat.S_ISLNK(st.st_mode):
        if _md5_of(facts, path) is not None:
            # dpkg shipped a file here, with an md5sum: a link in its place is not Debian's
            return Shipped(package, "replaced", path, package, False)
        # dpkg records no link targets; a shipped link is Debian's as long as it leads to a
        # file its own package ships (sitecustomize.py -> /etc/python3.X/sitecustomize.py)
        final = fs.resolve(path) or path
        final_owners = dpkg.owners(final)
        if package not in final_owners:
            return Shipped(package, "relinked", final, final_owners[0] if final_owners else "",
                           False)
        return _compare(facts, final, package)
    if st is not None and stat.S_ISDIR(st.st_mode):
        return Shipped(package, "", path, package, False)  # a package's files are judged alone
    if _md5_of(facts, path) is None and dpkg.md5sums(package):
        # owned, yet neither in md5sums nor a conffile: dpkg shipped a link here
        return Shipped(package, "replaced", path, package, False)
    return _compare(facts, path, package)


def _compare(facts: Facts, path: str, package: str) -> Shipped:
    shipped = _md5_of(facts, path)
    conffile = _is_conffile(facts, path)
    if shipped is None:
        return Shipped(package, "", path, package, conffile)
    data = facts.fs.read_bytes(path, limit=1 << 24)
    import hashlib  # OpenSSL's load: only for a start-up file a package shipped

    if data is not None and hashlib.md5(data).hexdigest() != shipped[1]:
        return Shipped(package, "modified", path, shipped[0], conffile)
    return Shipped(package, "", path, shipped[0], conffile)


def _md5_of(facts: Facts, path: str) -> Optional[Tuple[str, str]]:
    return facts.dpkg.shipped_md5(path)


def _is_conffile(facts: Facts, path: str) -> bool:
    for owner in facts.dpkg.owners(path):
        if any(c.path == path for c in facts.dpkg.conffiles(owner)):
            return True
    return False
