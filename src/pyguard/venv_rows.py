"""What `pyguard venvs` lists: one row per virtual environment, the model its renderers read.

Made from pyguard.facts.venvs by the venvs command; every string in it comes from a venv, which
its owner writes, so renderers escape each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class VenvProject:
    """A project installed in a venv, as listed."""

    name: str
    version: str
    installer: str
    """INSTALLER's contents (pip, uv, ...), empty when absent."""


@dataclass(frozen=True)
class VenvRow:
    path: str
    """The venv directory, inside the examined root."""
    python: str
    """The version pyvenv.cfg records, "3.11.2"; empty when it names none."""
    interpreter: str
    """Where the venv's bin/python3 finally leads, inside the root."""
    runs: str
    """The python3.X that interpreter runs, "3.11"; empty when it cannot be told."""
    problem: str
    """Why the venv does not work (the end of a sentence); empty when it does."""
    system_site_packages: bool
    projects: Tuple[VenvProject, ...]
    managed_by: str = ""
    """"pipx" for pipx's apps (pipx remakes them itself), "uv" for uv's tools (uv installs them
    again itself); '' otherwise."""

    @property
    def healthy(self) -> bool:
        return not self.problem
