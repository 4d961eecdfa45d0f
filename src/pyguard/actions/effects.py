"""What an action does to a system, as the plan, the undo store and the risk label read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

SAFE = "safe"
MOVES_FILES = "moves files"
CHANGES_PACKAGES = "changes packages"
"""A step apt turns into an upgrade or a removal: only apt's simulation can tell (fix.apt)."""
BUILDS_FROM_INDEX = "installs from the index"
"""pip (or pipx, uv) fetches projects from the index it is configured with and runs their
builds."""


@dataclass(frozen=True)
class Effects:
    moves: Tuple[str, ...] = ()
    """Paths taken away from where they are (into an archive under /var/lib/pyguard/aside)."""
    edits: Tuple[str, ...] = ()
    """Files changed in place."""
    replaces: Tuple[str, ...] = ()
    """Paths replaced by something else (a symlink, an alternative's links, a diversion)."""
    creates: Tuple[str, ...] = ()
    """Paths made anew (a venv rebuilt where the old one was emptied, or by pipx in place of
    the old one): the undo store keeps what was there, to give back exactly."""
    packages: Tuple[str, ...] = ()
    """Packages apt unpacks; what that overwrites, apt's simulation and the .debs tell."""
    replaces_conffiles: bool = False
    """Edited configuration files are replaced by the packaged ones."""
    user: str = "root"
    """Who the step runs as: root, or the user who controls what it touches."""
    fetches: bool = False
    """pip installs projects from its index (a venv rebuilt), running their builds as `user`:
    not Debian's archive, whose packages are what "safe" means."""

    @property
    def risk(self) -> str:
        if self.moves or self.edits or self.replaces or self.replaces_conffiles:
            return MOVES_FILES
        if self.fetches:
            return BUILDS_FROM_INDEX
        return SAFE

    @property
    def local_paths(self) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """(what is done, to which paths), for people, of what changes local files."""
        words = (("moves aside", self.moves), ("edits", self.edits), ("replaces", self.replaces))
        return tuple((w, p) for w, p in words if p)
