"""Virtual environments whose interpreter is gone or no longer the Python they were made with."""

from __future__ import annotations

from typing import Iterator

from ..aside import aside_label
from ..facts import Facts
from ..facts.venvs import Venv, gather_venvs
from ..findings import Hit

VENV_PACKAGE = "python3-venv"


def venv_broken(facts: Facts) -> Iterator[Hit]:
    venvs = facts.get(gather_venvs).venvs
    broken = [venv for venv in venvs if not venv.healthy]
    if not broken:
        return
    default = facts.defaults.default
    no_ensurepip = bool(default) and not facts.fs.is_dir(f"/usr/lib/python{default}/ensurepip")
    for venv in broken:
        yield Hit(subject=venv.path, evidence=evidence(venv, no_ensurepip),
                  paths=(f"{venv.path}/pyvenv.cfg", venv.interpreter))


def evidence(venv: Venv, no_ensurepip: bool) -> dict:
    """What the rule's templates need; `requirements` come from the venv's snapshot when it
    has one (venv.recorded), else from its metadata."""
    held = tuple(f"{p.name} {p.version}" for p in venv.packages
                 if p.requirement in venv.requirements)
    return {
        "venv": venv.path,
        "made": f"Python {venv.made_with}" if venv.made_with else "a Python pyvenv.cfg does not name",
        "state": venv.problem,
        "held": held or ("no projects besides pip and setuptools",),
        "venv_package": VENV_PACKAGE if no_ensurepip else "",
        "label": aside_label("venv", venv.path.strip("/").replace("/", "-")),
        "system_site": "yes" if venv.system_site_packages else "no",
        "requirements": venv.requirements,
        "source": f"as recorded on {venv.recorded}" if venv.recorded else "read from its metadata",
    }
