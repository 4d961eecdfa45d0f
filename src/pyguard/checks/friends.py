"""/usr/bin/python and friends: the files around the system interpreter that people make by hand."""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Set, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.sites import module_name
from ..findings import Hit
from .stray import debian_modules, interpreter_versions, local_sites, root_sites

PYTHON = "/usr/bin/python"
SCRIPT_DIRS = ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")
VERSION_DIR = re.compile(r"python(3\.\d+)")
HACK = "_distutils_hack"
HACK_PTH = "distutils-precedence.pth"


def python_unversioned_link(facts: Facts) -> Iterator[Hit]:
    """/usr/bin/python that no package installed (python-is-python3 and python2 ship it)."""
    st = facts.fs.lstat(PYTHON)
    if st is None or facts.dpkg.owners(PYTHON):
        return
    diversion = facts.dpkg.diversions.get(PYTHON)
    if diversion is not None and diversion.by != ":":
        return  # a package diverted it and put its own file there
    chain = facts.fs.chain(PYTHON)
    if chain.steps:
        target = chain.steps[0].target
        state = {"missing": f"a symlink to {target}, which leads nowhere",
                 "loop": f"a symlink to {target}, which loops"}.get(chain.kind,
                                                                    f"a symlink to {target}")
    else:
        state = "a file"
    # `update-alternatives --install /usr/bin/python python ...`: the group would make the link
    # again; dropping it removes the link it made (then nothing is left to move aside)
    names = [step.path.rsplit("/", 1)[1] for step in chain.steps
             if step.path.startswith("/etc/alternatives/")] + ["python"]
    groups = tuple(dict.fromkeys(n for n in names if _alternative_link(facts, n) == PYTHON))
    yield Hit(subject=PYTHON,
              evidence={"path": "" if groups else PYTHON, "state": state,
                        "label": aside_label("usr-bin-python"), "alternative": groups},
              paths=(PYTHON,) + ((chain.final,) if chain.steps else ()))


def _alternative_link(facts: Facts, name: str) -> str:
    alternative = facts.dpkg.alternative(name)
    return alternative.link if alternative is not None else ""


def module_beside_scripts(facts: Facts) -> Iterator[Hit]:
    """Unowned NAME.py in a script directory where NAME is a module Debian's scripts import.

    A script's own directory is sys.path[0]: /usr/bin/apt.py hides python3-apt's apt package
    from every Python script in /usr/bin that imports apt.
    """
    names = _system_modules(facts)
    pip_files = {path for contents in root_sites(facts) for dist in contents.distributions
                 for path in dist.record}
    seen: Set[str] = set()
    for directory in SCRIPT_DIRS:
        resolved = facts.fs.resolve(directory)
        if resolved is None or resolved in seen:
            continue
        seen.add(resolved)
        for entry in facts.fs.listdir(directory):
            if not entry.endswith(".py"):
                continue
            path = f"{directory}/{entry}"
            name = entry[:-3]
            if name not in names or path in pip_files or facts.dpkg.owners(path):
                continue
            if facts.dpkg.owners(f"{resolved}/{entry}"):
                continue
            yield Hit(subject=path,
                      evidence={"path": path, "module": name, "dir": directory,
                                "debian": names[name],
                                "label": aside_label(path.strip("/").replace("/", "-"))},
                      paths=(path,))


def lsb_release_copy(facts: Facts) -> Iterator[Hit]:
    """lsb_release.py copied or linked into /usr/local's site directories by hand."""
    shadowed = set()
    if "lsb_release" in debian_modules(facts):
        shadowed = {c.site.path for c in local_sites(facts)}  # shadowed-debian-module's
    for site in _usr_local_sites(facts):
        if site in shadowed:
            continue
        for entry in facts.fs.listdir(site):
            if entry not in ("lsb_release.py", "lsb_release.pyc"):
                continue
            path = f"{site}/{entry}"
            chain = facts.fs.chain(path)
            what = (f"a symlink to {chain.final}" + (", which does not exist"
                                                     if chain.kind == "missing" else "")
                    if chain.steps else "a copy")
            yield Hit(subject=path,
                      evidence={"path": path, "what": what,
                                "label": aside_label("lsb_release", site.split("/")[4])},
                      paths=(path,))


def site_packages_dir(facts: Facts) -> Iterator[Hit]:
    """/usr/lib/python3.X/site-packages: a directory Debian's Python never reads."""
    for entry in facts.fs.listdir("/usr/lib"):
        if not (VERSION_DIR.fullmatch(entry) or entry == "python3"):
            continue
        path = f"/usr/lib/{entry}/site-packages"
        if not facts.fs.is_dir(path) or facts.fs.is_symlink(path):
            continue
        contents = [name for name in facts.fs.listdir(path) if name != "__pycache__"]
        if not contents or any(facts.dpkg.owned(p) for p in facts.dpkg.paths_under(path)):
            continue
        projects = sorted({_project(name) for name in contents} - {""})
        yield Hit(subject=path,
                  evidence={"path": path, "projects": tuple(projects or contents),
                            "label": aside_label(entry, "site-packages")},
                  paths=(path,))


def distutils_hack(facts: Facts) -> Iterator[Hit]:
    """setuptools' _distutils_hack left in /usr/local or root's ~/.local without its setuptools.

    A whole pip-installed setuptools is moved by shadowed-debian-module or pip-in-usr-local, and
    its distutils-precedence.pth by startup-hook; this rule finds the pieces nothing else claims.
    """
    for contents in root_sites(facts):
        claimed: Set[str] = set()
        for dist in contents.distributions:
            claimed.update(dist.record)
            claimed.update(f"{contents.site.path}/{name}" for name in dist.top_level)
        hack = f"{contents.site.path}/{HACK}"
        if not facts.fs.is_dir(hack) or hack in claimed or facts.dpkg.owners(hack):
            continue
        pth = f"{contents.site.path}/{HACK_PTH}"
        move = (hack,) + ((pth,) if facts.fs.lstat(pth) is not None else ())
        yield Hit(subject=hack,
                  evidence={"site": contents.site.path, "path": hack, "move": move,
                            "label": aside_label("distutils-hack", contents.site.version or "")},
                  paths=move)


def _usr_local_sites(facts: Facts) -> List[str]:
    out = []
    for entry in facts.fs.listdir("/usr/local/lib"):
        if VERSION_DIR.fullmatch(entry):
            for kind in ("dist-packages", "site-packages"):
                path = f"/usr/local/lib/{entry}/{kind}"
                if facts.fs.is_dir(path):
                    out.append(path)
    return out


def _system_modules(facts: Facts) -> Dict[str, Tuple[str, ...]]:
    """Top-level module name -> Debian packages shipping it, Debian's dist-packages and stdlib."""
    names: Dict[str, Tuple[str, ...]] = dict(debian_modules(facts))
    for version in sorted(interpreter_versions(facts)):
        stdlib = f"/usr/lib/python{version}"
        for entry in facts.fs.listdir(stdlib):
            path = f"{stdlib}/{entry}"
            name = module_name(entry, facts.fs.is_dir(path))
            if not name or name.endswith(".pth") or entry in ("site-packages", "dist-packages"):
                continue
            owners = facts.dpkg.owners(path)
            if owners and name not in names:
                names[name] = owners
        for entry in facts.fs.listdir(f"{stdlib}/lib-dynload"):
            name = module_name(entry, False)
            path = f"{stdlib}/lib-dynload/{entry}"
            if name and name not in names and facts.dpkg.owners(path):
                names[name] = facts.dpkg.owners(path)
    names.pop("__init__", None)
    return names


def _project(entry: str) -> str:
    for suffix in (".dist-info", ".egg-info"):
        if entry.endswith(suffix):
            stem = entry[: -len(suffix)]
            name, _, version = stem.partition("-")
            return f"{name} {version.split('-')[0]}".strip()
    return ""

