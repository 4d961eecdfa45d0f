"""uv's tools whose venv no longer works: the owner's uv installs them again from its receipt,
as the one user who controls the tool and that uv (facts.uv finds them)."""

from __future__ import annotations

from typing import Iterator, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.accounts import ROOT, outsiders, writers
from ..facts.uv import bin_dir_of, interpreter_link, uv_programs
from ..facts.venvs import Venv, gather_venvs
from ..findings import Hit
from .rebuild import names_of
from .venvs import made


def uv_tool_broken(facts: Facts) -> Iterator[Hit]:
    for venv in facts.get(gather_venvs).venvs:
        if venv.healthy or not venv.uv_tools:
            continue
        program, blocked = _uv_for(facts, venv)
        relink = interpreter_link(facts.fs, venv.path) if venv.interpreter_kind == "missing" else ""
        if not blocked and venv.interpreter_kind == "missing" and not relink:
            blocked = (f"its interpreter is gone and {venv.path}/bin/python is not a link uv "
                       "made, which uv needs to take the tool for installed")
        name = venv.path.rsplit("/", 1)[1]
        yield Hit(
            subject=venv.path,
            evidence={"venv": venv.path, "tool": name, "made": made(venv),
                      "state": venv.problem, "tools": venv.uv_tools,
                      "label": aside_label("uv", venv.path.strip("/").replace("/", "-")),
                      "tool_venv": "" if blocked else venv.path,
                      "uv": "" if blocked else program,
                      "bin_dir": "" if blocked else bin_dir_of(facts.fs, venv.path),
                      "relink": "" if blocked else relink,
                      "blocked": f" pyguard offers no repair: {blocked}" if blocked else ""},
            paths=(f"{venv.path}/pyvenv.cfg", venv.interpreter))


def _uv_for(facts: Facts, venv: Venv) -> Tuple[str, str]:
    """(the uv that repairs the tool, '') or ('', why none may): uv rewrites the venv from the
    receipt in it, with whatever uv runs, so whoever else can change the venv, uv's tool
    directory or that uv would choose what runs as the owner."""
    mine = facts.owners.tree(venv.path)
    if mine is None or facts.owner_of(venv.uv_tools) != mine:
        return "", (f"the tool's directories and uv's tool directory {venv.uv_tools} are not one "
                    "user's alone, so no single user can have uv install it again")
    candidates = uv_programs(venv.uv_tools, mine == ROOT)
    program = next((p for p in candidates if facts.fs.is_file(p)), "")
    if not program:
        first = (f"`ln -sfn /usr/bin/python3 {venv.path}/bin/python`, then "
                 if venv.interpreter_kind == "missing" else "")
        return "", (f"no uv in {', '.join(candidates)}; as {mine}, {first}`uv tool upgrade "
                    f"--reinstall --python /usr/bin/python3 {venv.path.rsplit('/', 1)[1]}` "
                    "installs it again")
    owner = facts.fs.control(venv.path)
    who = (outsiders(writers(facts.fs, venv.path), owner)
           | outsiders(writers(facts.fs, venv.uv_tools, below=False), owner)
           | outsiders(writers(facts.fs, program, below=False), owner))
    if who:
        return "", (f"{names_of(facts, who)} can change what uv would read or run to install "
                    f"it again (its receipt in the venv, uv's tool directory or {program}), as "
                    f"{mine}")
    return program, ""
