"""Virtual environments whose interpreter is gone or no longer the Python they were made with."""

from __future__ import annotations

import re
from typing import Iterator, Mapping, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.venvs import Venv, gather_venvs
from ..findings import Hit
from .rebuild import left_out

VENV_PACKAGE = "python3-venv"
POETRY_ENV = re.compile(r".*/pypoetry/virtualenvs/(?P<prefix>[^/]+)-py3\.\d+")
"""A venv poetry keeps in its cache, named after the project and the Python it was made with."""


def venv_broken(facts: Facts) -> Iterator[Hit]:
    venvs = facts.get(gather_venvs).venvs
    broken = [venv for venv in venvs if not venv.healthy and not venv.pipx_home
              and not venv.uv_tools]
    if not broken:
        return
    default = facts.defaults.default
    no_ensurepip = bool(default) and not facts.fs.is_dir(f"/usr/lib/python{default}/ensurepip")
    for venv in broken:
        withheld = left_out(facts, venv.path, venv.site_packages,
                            [p for p in venv.packages if p.requirement in venv.requirements],
                            "the venv's owner")
        found = evidence(venv, no_ensurepip, withheld)
        successor = poetry_successor(venv.path, default)
        if successor:
            found.update(rebuild="", venv_package="", remade=(
                " poetry makes it anew at the next `poetry install` in the project, so it is "
                "only moved aside." if successor == venv.path else
                f" poetry never uses it again: at the next `poetry install` in the project it "
                f"makes {successor} for Python {default}, so this one is only moved aside."))
        if facts.owner_of(venv.path) is not None and facts.owners.tree(venv.path) is None:
            found["blocked"] = (" pyguard offers no repair: directories inside it are not its "
                                "owner's alone, and whoever else controls one could redirect the "
                                "removal of the files below it; set it aside by hand")
        yield Hit(subject=venv.path, evidence=found, paths=(f"{venv.path}/pyvenv.cfg",
                                                            venv.interpreter))


def poetry_successor(path: str, default: str) -> str:
    """The venv poetry makes for the same project with Python `default` when `path` is one of
    poetry's, which it names NAME-HASH-py3.X: rebuilt under its old name it would never be used
    again; '' otherwise."""
    m = POETRY_ENV.fullmatch(path)
    return f"{path[:m.start('prefix')]}{m.group('prefix')}-py{default}" if m and default else ""


def made(venv: Venv) -> str:
    """The Python that made the venv, as the rules' prose names it."""
    return f"Python {venv.made_with}" if venv.made_with else "a Python pyvenv.cfg does not name"


def held(venv: Venv, requirements: Tuple[str, ...]) -> Tuple[str, ...]:
    """"name version" of each project of `requirements` the venv holds, for the rules' prose."""
    found = tuple(f"{p.name} {p.version}" for p in venv.packages if p.requirement in requirements)
    return found or ("no projects besides pip and setuptools",)


def evidence(venv: Venv, no_ensurepip: bool, withheld: Mapping[str, str] = {}) -> dict:
    """What the rule's templates need; `requirements` come from the venv's snapshot when it
    has one (venv.recorded), else from its metadata; `withheld`: those left out, and why
    (checks.rebuild)."""
    requirements = tuple(r for r in venv.requirements if r not in withheld)
    left_out = "".join(f"; left out: {p.name} {p.version}, {withheld[p.requirement]} (install "
                       "it by hand as whoever should run its build)"
                       for p in venv.packages if p.requirement in withheld)
    return {
        "venv": venv.path,
        "made": made(venv),
        "state": venv.problem,
        "held": held(venv, requirements),
        "venv_package": VENV_PACKAGE if no_ensurepip else "",
        "label": aside_label("venv", venv.path.strip("/").replace("/", "-")),
        "system_site": "yes" if venv.system_site_packages else "no",
        "requirements": requirements,
        "withheld": left_out,
        "source": f"as recorded on {venv.recorded}" if venv.recorded else "read from its metadata",
        "blocked": "",
        "rebuild": venv.path,
        "remade": "",
    }
