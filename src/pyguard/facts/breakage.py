"""What the release upgrade ahead (pyguard.facts.upgrade) breaks, and what it leaves working.

Each venv, pip installation outside a venv and Debian package with Python modules gets a Fate:
whether the upgrade breaks it, when, and why, in a sentence a person reads. The rules
upgrade-venv, upgrade-site and upgrade-dropped-package report those that break;
`pyguard upgrade-check` also lists the rest as safe, with the reason, so that an admin (and the
system test) can hold pyguard to both.

What is judged is read from disk as everywhere else: where a venv's bin/python3 leads, what a
site directory holds, which files dpkg lists for a package. Nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .installs import Installation, gather_installations
from .sites import DEBIAN_DIST_PACKAGES, module_name
from .upgrade import Upgrade, gather_upgrade, leaves_release
from .venvs import Venv, gather_venvs

PYTHON3 = "/usr/bin/python3"
AT_UPGRADE = "at the upgrade"
INTERPRETER_PACKAGE = re.compile(r"(?:lib)?python3\.\d+(?:-[a-z0-9]+)*|python3|python3-minimal"
                                 r"|libpython3-stdlib")
"""The interpreter's own packages (python3.11, libpython3.11-stdlib, python3.11-venv, python3,
python3-minimal): the upgrade replaces them by design; what that does to venvs and sites is
judged there."""


@dataclass(frozen=True)
class Fate:
    kind: str
    """venv, site, package."""
    subject: str
    """The venv or site directory, or the package."""
    breaks: bool
    when: str
    """AT_UPGRADE, or what else it waits for ("when python3.11 is removed"); empty if safe."""
    why: str
    """The consequence, as the end of a sentence."""
    modules: Tuple[str, ...] = ()
    """For a package: its top-level modules."""


@dataclass(frozen=True)
class Breakage:
    upgrade: Upgrade
    venvs: Tuple[Tuple[Venv, Fate], ...]
    sites: Tuple[Tuple[Installation, Fate], ...]
    packages: Tuple[Fate, ...]

    @property
    def safe(self) -> Tuple[Fate, ...]:
        every = [f for _, f in self.venvs] + [f for _, f in self.sites] + list(self.packages)
        return tuple(f for f in every if not f.breaks)


def gather_breakage(facts) -> Optional[Breakage]:  # facts: pyguard.facts.Facts
    upgrade = facts.get(gather_upgrade)
    if upgrade is None:
        return None
    venvs = tuple((v, venv_fate(facts, upgrade, v)) for v in facts.get(gather_venvs).venvs
                  if v.healthy)
    sites = tuple((i, site_fate(upgrade, i)) for i in facts.get(gather_installations))
    return Breakage(upgrade, venvs, sites, package_fates(facts, upgrade))


def venv_fate(facts, upgrade: Upgrade, venv: Venv) -> Fate:
    minor = venv.runs or venv.made_minor
    where = " and ".join(venv.site_packages) or f"{venv.path}/lib/python{minor}/site-packages"
    if minor == upgrade.target:
        return Fate("venv", venv.path, False, "", f"it runs Python {minor} already, the default "
                                                  f"of {upgrade.name}")
    steps = [s.path for s in facts.fs.chain(venv.interpreter).steps]
    if PYTHON3 in steps and minor == upgrade.current:
        return Fate("venv", venv.path, True, AT_UPGRADE,
                    f"{venv.interpreter} leads to {PYTHON3}, which will run Python "
                    f"{upgrade.target}; that does not look in {where}")
    debian = f"/usr/bin/python{minor}"
    if venv.interpreter_target == debian or (venv.home in ("/usr/bin", "/bin") and minor):
        if leaves_release(facts, f"python{minor}"):
            return Fate("venv", venv.path, True, f"when python{minor} is removed",
                        f"it runs Debian's {debian}, which {upgrade.name} no longer has: apt "
                        f"keeps it installed, without updates, until it is removed (apt "
                        f"autoremove), and then the venv has no interpreter")
        return Fate("venv", venv.path, False, "", f"it runs {debian}, which {upgrade.name} still "
                                                  "has")
    return Fate("venv", venv.path, False, "",
                f"its interpreter {venv.interpreter_target} is not Debian's: the upgrade does "
                "not replace it")


def site_fate(upgrade: Upgrade, installation: Installation) -> Fate:
    site, version = installation.site.path, installation.version
    if version == upgrade.current:
        return Fate("site", site, True, AT_UPGRADE,
                    f"python3 will run Python {upgrade.target}, which does not read {site}")
    if version == upgrade.target:
        return Fate("site", site, True, AT_UPGRADE,
                    f"python3 will run Python {version} and read {site} before Debian's "
                    f"packages, which the upgrade replaces")
    return Fate("site", site, False, "", f"Python {version} is the default neither before nor "
                                         "after the upgrade")


def package_fates(facts, upgrade: Upgrade) -> Tuple[Fate, ...]:
    """Each installed Debian package with modules in /usr/lib/python3/dist-packages or in the
    old interpreter's /usr/lib/python3.X, but the interpreter's own."""
    dpkg = facts.dpkg
    modules: Dict[str, List[str]] = {}
    private: Dict[str, List[str]] = {}
    extensions: Dict[str, List[str]] = {}
    tag = f".cpython-3{upgrade.current.partition('.')[2]}-"
    for base, into in ((DEBIAN_DIST_PACKAGES, modules), (f"/usr/lib/python{upgrade.current}",
                                                          private)):
        start = base + "/"
        for path in dpkg.paths_under(base):
            rest = path[len(start):]
            top = rest.split("/", 1)[0]
            if base != DEBIAN_DIST_PACKAGES and top in ("dist-packages", "site-packages"):
                continue
            name = module_name(top, "/" in rest or facts.fs.is_dir(start + top))
            if not name or name.endswith(".pth") or top.endswith((".dist-info", ".egg-info")):
                continue
            for owner in dpkg.owners(path):
                if INTERPRETER_PACKAGE.fullmatch(owner):
                    continue
                if name not in into.setdefault(owner, []):
                    into[owner].append(name)
                if tag in path and path.endswith(".so"):
                    extensions.setdefault(owner, []).append(path)
    out = []
    for package in sorted(set(modules) | set(private)):
        names = tuple(sorted(set(modules.get(package, [])) | set(private.get(package, []))))
        gone = leaves_release(facts, package)
        if not gone:  # what its next version ships, only a Contents index would tell
            out.append(Fate("package", package, False, "",
                            f"{upgrade.name} has it: apt upgrades it with the rest"))
            continue
        instead = upgrade.instead(package)
        if instead and dpkg.is_installed(instead) and not leaves_release(facts, instead):
            out.append(Fate("package", package, False, "",
                            f"{upgrade.name} no longer has it, but {instead}, which is installed, "
                            f"provides {', '.join(names)} from then on", names))
            continue
        out.append(Fate("package", package, True, AT_UPGRADE,
                        _dropped_why(facts, upgrade, package, names, private.get(package, []),
                                     extensions.get(package, [])), names))
    return tuple(out)


def _dropped_why(facts, upgrade: Upgrade, package: str, names, private, extensions) -> str:
    parts = []
    pinned = _pins_old_python(facts, package, upgrade)
    if pinned:
        parts.append(f"apt removes it at the upgrade (it needs {pinned})")
    else:
        parts.append("it stays installed without updates")
    if private:
        parts.append(f"Python {upgrade.target} does not look in /usr/lib/python{upgrade.current}, "
                     f"so import {', '.join(sorted(private))} fails")
    if extensions:
        parts.append(f"its compiled modules are built for Python {upgrade.current} only and do "
                     f"not load in {upgrade.target}")
    if not private and not extensions and not pinned:
        parts.append(f"nobody has tested `import {', '.join(names)}` with Python "
                     f"{upgrade.target}")
    return "; ".join(parts)


def _pins_old_python(facts, package: str, upgrade: Upgrade) -> str:
    """The dependency that ties an installed package to the old Python ("python3 (<< 3.12)")."""
    info = facts.dpkg.package(package)
    if info is None:
        return ""
    target = tuple(int(p) for p in upgrade.target.split("."))
    for part in info.depends.split(","):
        for alternative in part.split("|"):
            m = re.match(r"\s*(python3(?::any)?)\s*\(\s*<<\s*([0-9.]+)", alternative)
            if m and tuple(int(p) for p in re.findall(r"\d+", m.group(2))[:2]) <= target:
                return alternative.strip()
            m = re.match(r"\s*python(3\.\d+)\b", alternative)
            if m and m.group(1) == upgrade.current and "|" not in part:
                return alternative.strip()
    return ""
