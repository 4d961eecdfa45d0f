"""Before a release upgrade: what moving to the next python3 will break (pyguard.facts.breakage).

These fire only while an upgrade is ahead: the apt lists describe the next release (or
`pyguard upgrade-check --to CODENAME` looks ahead). Each says the exact consequence and the
plan: what `pyguard fix` does after the upgrade, from the snapshots kept now.
"""

from __future__ import annotations

from typing import Iterator, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.breakage import AT_UPGRADE, Fate, gather_breakage
from ..facts.installs import Installation
from ..facts.snapshots import find_site_snapshot, find_snapshot, host_state_dir, snapshot_dir
from ..facts.sites import DEBIAN_DIST_PACKAGES
from ..facts.upgrade import Upgrade, gather_upgrade
from ..facts.venvs import Venv
from ..findings import Hit
from .pipx import pipx_package
from .venvs import held, made, poetry_successor

VENV_PACKAGE = "python3-venv"


def _breaking_venvs(facts: Facts) -> Iterator[Tuple[Venv, Fate, Upgrade]]:
    """Each venv the upgrade ahead breaks, with how and the upgrade."""
    breakage = facts.get(gather_breakage)
    if breakage is None:
        return
    for venv, fate in breakage.venvs:
        if fate.breaks:
            yield venv, fate, breakage.upgrade


def upgrade_venv(facts: Facts) -> Iterator[Hit]:
    """Venvs whose interpreter the upgrade takes away or changes under them."""
    for venv, fate, upgrade in _breaking_venvs(facts):
        if venv.pipx_home or venv.uv_tools:
            continue  # pipx's: upgrade_pipx_app; uv's: after the upgrade, uv_tool_broken
        successor = poetry_successor(venv.path, upgrade.target)
        if successor:
            after = (f"After the upgrade, `pyguard fix` (rule venv-broken) moves it aside, and "
                     f"poetry makes {successor} itself at the next `poetry install` in the "
                     "project.")
        else:
            snapshot = find_snapshot(facts.fs, venv)
            after = (_snapshot_sentence(facts, snapshot.date if snapshot else "", "it holds")
                     + " After the upgrade, `pyguard fix` (rule venv-broken) moves it aside and "
                     f"makes it anew with Python {upgrade.target}, as its owner, with the same "
                     "projects at the same versions.")
        yield Hit(
            subject=venv.path,
            evidence={"venv": venv.path, "when": _when(fate.when, upgrade),
                      "made": made(venv), "why": fate.why,
                      "held": held(venv, venv.requirements), "after": after,
                      "venv_package": "" if successor else _venv_package(facts)},
            paths=(f"{venv.path}/pyvenv.cfg", venv.interpreter))


def upgrade_site(facts: Facts) -> Iterator[Hit]:
    """What pip installed outside venvs for the Python the upgrade replaces."""
    breakage = facts.get(gather_breakage)
    if breakage is None:
        return
    upgrade = breakage.upgrade
    for installation, fate in breakage.sites:
        if not fate.breaks:
            continue
        snapshot = find_site_snapshot(facts.fs, installation.site.path)
        leaving = installation.version == upgrade.current
        yield Hit(
            subject=installation.site.path,
            evidence={"site": installation.site.path, "why": fate.why,
                      "release": upgrade.name, "target": upgrade.target,
                      "effect": ("vanish from python3's sys.path" if leaving else
                                 "come before Debian's own on python3's sys.path"),
                      "consequence": (f"programs run with python3 will no longer find "
                                      f"{_projects(installation)}" if leaving else
                                      "every program run with python3, Debian's tools included, "
                                      f"will import {_projects(installation)} from there"),
                      "programs": _programs(installation, upgrade),
                      "extensions": _extensions(installation, upgrade),
                      "snapshot": _snapshot_sentence(facts, snapshot.date if snapshot else "",
                                                     "pip installed there"),
                      "plan": _site_plan(facts, installation, leaving),
                      "venv_package": _venv_package(facts) if leaving else ""},
            paths=tuple(p.path for p in installation.programs) or (installation.site.path,))


def upgrade_dropped_package(facts: Facts) -> Iterator[Hit]:
    """Debian packages with Python modules that the next release no longer has."""
    breakage = facts.get(gather_breakage)
    if breakage is None:
        return
    upgrade = breakage.upgrade
    for fate in breakage.packages:
        if not fate.breaks:
            continue
        instead = upgrade.instead(fate.subject)
        yield Hit(
            subject=fate.subject,
            evidence={"package": fate.subject, "release": upgrade.name,
                      "modules": fate.modules, "why": fate.why,
                      "source": ("its apt lists have no such package" if upgrade.source ==
                                 "apt lists" else "pyguard's release table lists it as dropped"),
                      "instead": instead},
            paths=(f"/var/lib/dpkg/info/{fate.subject}.list",))


def upgrade_extension(facts: Facts) -> Iterator[Hit]:
    """Compiled modules no package owns in Debian's dist-packages, built for the old Python
    only: the new one does not load them (a version-independent directory, unlike the sites)."""
    upgrade = facts.get(gather_upgrade)
    contents = facts.site(DEBIAN_DIST_PACKAGES) if upgrade is not None else None
    if contents is None:
        return
    tag = f".cpython-3{upgrade.current.partition('.')[2]}-"
    found = []
    for module in contents.modules:
        if module.owners:
            continue
        paths = [module.path] if facts.fs.is_file(module.path) else \
            [p for p in facts.fs.walk(module.path, max_depth=8) if not facts.dpkg.owned(p)]
        found += [p for p in paths if tag in p.rsplit("/", 1)[-1] and p.endswith(".so")]
    if found:
        yield Hit(
            subject=DEBIAN_DIST_PACKAGES,
            evidence={"extensions": tuple(found), "current": upgrade.current,
                      "target": upgrade.target, "release": upgrade.name,
                      "move": tuple(found), "label": aside_label("abi", upgrade.current)},
            paths=tuple(found))


def upgrade_pipx_app(facts: Facts) -> Iterator[Hit]:
    """pipx's apps whose venv the upgrade breaks: pipx reinstalls them afterwards."""
    for venv, fate, upgrade in _breaking_venvs(facts):
        if venv.pipx_app:
            yield Hit(
                subject=venv.path,
                evidence={"venv": venv.path, "app": venv.path.rsplit("/", 1)[1],
                          "when": _when(fate.when, upgrade), "made": made(venv), "why": fate.why,
                          "target": upgrade.target, "pipx_package": pipx_package(facts)},
                paths=(f"{venv.path}/pyvenv.cfg", venv.interpreter))


def _when(when: str, upgrade: Upgrade) -> str:
    return f"at the upgrade to {upgrade.name}" if when == AT_UPGRADE else when


def _snapshot_sentence(facts: Facts, date: str, what: str) -> str:
    where = snapshot_dir(host_state_dir(), facts.fs.root)
    if date:
        return f"What {what} was recorded on {date} in {where}."
    return (f"What {what} is not recorded yet: `pyguard upgrade-check` (or the daily `pyguard "
            f"report`) records it in {where}.")


def _venv_package(facts: Facts) -> str:
    """python3-venv when it is not installed: the rebuild after the upgrade needs ensurepip,
    and installing it now makes the upgrade bring the new Python's along."""
    return "" if facts.dpkg.is_installed(VENV_PACKAGE) else VENV_PACKAGE


def _projects(installation: Installation) -> str:
    return ", ".join(f"{p.name} {p.version}" for p in installation.packages)


def _programs(installation: Installation, upgrade: Upgrade) -> str:
    if not installation.programs:
        return ""
    named = ", ".join(f"{p.path} (runs {p.interpreter or 'no interpreter'})"
                      for p in installation.programs)
    return f" Programs pip wrote for them: {named}."


def _extensions(installation: Installation, upgrade: Upgrade) -> str:
    if not installation.extensions or installation.version != upgrade.current:
        return ""
    return (f" Compiled for Python {upgrade.current} only: "
            f"{', '.join(p.rsplit('/', 1)[1] for p in installation.extensions)}.")


def _site_plan(facts: Facts, installation: Installation, leaving: bool) -> str:
    if not leaving:
        return ("After the upgrade, pip-in-usr-local and shadowed-debian-module move them aside; "
                "install what you need in a virtual environment before.")
    from .orphans import venv_for

    return (f"After the upgrade, `pyguard fix` (rule orphaned-site) moves them aside and installs "
            f"the same projects at the same versions in the virtual environment "
            f"{venv_for(facts.fs, installation)}, never into the system interpreter"
            + ("; their programs are linked back where they were." if installation.programs
               else "."))
