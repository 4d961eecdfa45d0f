"""Do root's pip commands (pip, pip3, pip3.X) still start?"""

from __future__ import annotations

from typing import Dict, Iterator, List, Set

from ..aside import aside_label
from ..facts import Facts
from ..facts.pip_scripts import DEBIAN_DIST_PACKAGES, PipScript, gather_pip_scripts
from ..findings import Hit

DEBIAN_INTERPRETER_DIR = "/usr/bin/"


def broken_pip_commands(facts: Facts) -> Iterator[Hit]:
    """pip scripts whose interpreter is gone or whose pip cannot be imported any more."""
    gathered = facts.get(gather_pip_scripts)
    recorded = _recorded_paths(facts)
    by_dir: Dict[str, List[PipScript]] = {}
    for script in gathered.scripts:
        if not script.problem:
            continue
        if script.owners and script.interpreter.startswith(DEBIAN_INTERPRETER_DIR + "python3") \
                and not (script.interpreter_ok and facts.dpkg.owners(script.interpreter_final)):
            continue  # /usr/bin/python3 is gone or runs another build: python3-link repairs that
        by_dir.setdefault(script.path.rsplit("/", 1)[0], []).append(script)
    for directory, scripts in by_dir.items():
        move = tuple(s.path for s in scripts if not s.owners and s.path not in recorded)
        reinstall = tuple(sorted({owner for s in scripts if s.owners and _debian_pip_at_fault(s)
                                  for owner in s.owners}))
        elsewhere = tuple(s.pip_dir for s in scripts if s.owners and not _debian_pip_at_fault(s))
        yield Hit(
            subject=directory,
            evidence={"directory": directory, "commands": tuple(s.path for s in scripts),
                      "problems": tuple(f"{s.path.rsplit('/', 1)[1]}: {s.problem}" for s in scripts),
                      "move": move, "reinstall": reinstall,
                      "hidden": _hidden(scripts, recorded, elsewhere),
                      "label": aside_label("pip-commands", directory.strip("/").replace("/", "-"))},
            paths=tuple(s.path for s in scripts),
        )


def _debian_pip_at_fault(script: PipScript) -> bool:
    """The script is Debian's and Debian's own pip (or its absence) breaks it."""
    return script.interpreter_ok and script.pip_dir in ("", f"{DEBIAN_DIST_PACKAGES}/pip")


def _hidden(scripts: List[PipScript], recorded: Set[str], elsewhere: tuple) -> str:
    """A sentence on the parts other rules repair, or ""."""
    notes = []
    listed = [s.path for s in scripts if not s.owners and s.path in recorded]
    if listed:
        notes.append(f" pip installed {', '.join(listed)} along with a project; moving that project "
                     "aside (see its own finding) takes the scripts too.")
    if elsewhere:
        notes.append(f" Debian's scripts import {', '.join(sorted(set(elsewhere)))} instead of "
                     "Debian's pip; moving that copy aside (see its own finding) repairs them.")
    return "".join(notes)


def _recorded_paths(facts: Facts) -> Set[str]:
    """Paths some pip-installed project in /usr/local or a user site lists in its RECORD."""
    paths: Set[str] = set()
    for kind in ("local", "user"):
        for contents in facts.sites_of_kind(kind):
            for dist in contents.distributions:
                paths.update(dist.record)
    return paths
