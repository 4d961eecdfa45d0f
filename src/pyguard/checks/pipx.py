"""pipx's apps whose venv no longer works: pipx makes them anew from its own record, as the
one user who controls the app, its home and its shared pip (facts.pipx finds them)."""

from __future__ import annotations

from typing import Iterator

from ..aside import aside_label
from ..facts import Facts
from ..facts.accounts import ROOT, outsiders, writers
from ..facts.pipx import SHARED
from ..facts.venvs import Venv, gather_venvs
from ..findings import Hit
from .rebuild import names_of
from .venvs import made

PIPX = "/usr/bin/pipx"
GLOBAL_BIN = "/usr/local/bin"


def pipx_app_broken(facts: Facts) -> Iterator[Hit]:
    """pipx's apps whose venv no longer works: pipx makes them anew from its own record."""
    for venv in facts.get(gather_venvs).venvs:
        if venv.healthy or not venv.pipx_app:
            continue
        blocked = _pipx_blocked(facts, venv)
        yield Hit(
            subject=venv.path,
            evidence={"venv": venv.path, "app": venv.path.rsplit("/", 1)[1], "made": made(venv),
                      "state": venv.problem, "home": venv.pipx_home,
                      "pipx_package": "" if blocked else pipx_package(facts),
                      "label": aside_label("pipx", venv.path.strip("/").replace("/", "-")),
                      "app_venv": "" if blocked else venv.path,
                      "bin_dir": "" if blocked else _global_bin_dir(facts, venv),
                      "blocked": f" pyguard offers no repair: {blocked}" if blocked else ""},
            paths=(f"{venv.path}/pyvenv.cfg", venv.interpreter))


def _global_bin_dir(facts: Facts, venv: Venv) -> str:
    """/usr/local/bin where root's pipx linked the app's programs there (PIPX_BIN_DIR, as with
    PIPX_HOME=/opt/pipx or `pipx --global`): named to pipx, the reinstall links them there
    again, not into root's ~/.local/bin; '' otherwise."""
    if facts.owner_of(venv.path) != ROOT:
        return ""
    inside = f"{venv.path}/bin/"
    for name, kind in facts.fs.entries(GLOBAL_BIN):
        target = facts.fs.readlink(f"{GLOBAL_BIN}/{name}") if kind == "link" else None
        if target is not None and target.startswith(inside):
            return GLOBAL_BIN
    return ""


def _pipx_blocked(facts: Facts, venv: Venv) -> str:
    """Why no one user may have pipx make the app anew ('' when its owner may): pipx replaces
    the venv and its home's shared venv, and installs what its record says with the shared
    venv's pip, so whoever else can change any of them would choose what runs as the owner."""
    home = venv.pipx_home
    mine = facts.owners.tree(venv.path)
    if mine is None or facts.owner_of(home) != mine:
        return (f"the app's directories and pipx's home {home} are not one user's alone, so no "
                "single user can have pipx make it anew")
    owner = facts.fs.control(venv.path)
    who = (outsiders(writers(facts.fs, venv.path), owner)
           | outsiders(writers(facts.fs, home, below=False), owner)
           | outsiders(writers(facts.fs, f"{home}/{SHARED}"), owner))
    if not who:
        return ""
    return (f"{names_of(facts, who)} can change what pipx would read and run to make it anew "
            f"(its record in the venv, pipx's home or its shared pip), as {mine}")


def pipx_package(facts: Facts) -> str:
    """pipx, when Debian's is not installed: the repair runs /usr/bin/pipx, never a user's."""
    return "" if facts.dpkg.is_installed("pipx") and facts.fs.is_file(PIPX) else "pipx"
