"""pipx's apps: the venvs pipx made, and where its homes are (and other tools' venvs there).

pipx keeps each app it installs in PIPX_HOME/venvs/NAME, a venv with a pipx_metadata.json
beside its pyvenv.cfg from which `pipx reinstall NAME` makes it again, and its own pip in
PIPX_HOME/shared, which it remakes itself when that breaks. A user's PIPX_HOME is below
~/.local, deeper than the venv search goes and through a `share` it skips: those homes are
searched on their own, for the accounts whose homes lie in the scan roots, and so are pipenv's
and poetry's venvs (~/.local/share/virtualenvs, ~/.cache/pypoetry/virtualenvs) and uv's tools
(facts.uv).
"""

from __future__ import annotations

import re
from typing import List, Sequence

from ..rootfs import RootFS
from .uv import TOOLS as UV_TOOLS

HOMES = (".local/pipx", ".local/share/pipx")
"""Below a user's home: pipx before 1.3 (Debian 12's 1.1), and after (Debian 13's 1.7, which
keeps using the first where it exists)."""
TOOL_VENV_DIRS = tuple(f"{home}/venvs" for home in HOMES) + (
    ".local/share/virtualenvs", ".cache/pypoetry/virtualenvs", UV_TOOLS)
"""pipx's apps, pipenv's venvs (WORKON_HOME's default), poetry's (its cache's) and uv's tools:
venvs the search would not reach, pipenv's and poetry's left to venv-broken."""
METADATA = "pipx_metadata.json"
SHARED = "shared"
"""PIPX_HOME/shared: the venv of pipx's own pip, which pipx remakes when it breaks."""
APP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A venv directory pipx names after the package it holds; anything else is not taken for one
of its apps (the name goes into a command)."""


def home_venv_dirs(fs: RootFS, roots: Sequence[str]) -> List[str]:
    """The directories of venvs tools keep below each home in (or at) a scan root (/root,
    /home/NAME): pipx's PIPX_HOME/venvs, pipenv's, poetry's and uv's tools."""
    homes: List[str] = []
    for root in roots:
        top = root.rstrip("/") or "/"
        homes.append(top)
        homes += [f"{top.rstrip('/')}/{name}" for name, kind in fs.entries(top) if kind == "dir"]
    return [f"{home.rstrip('/')}/{where}" for home in homes for where in TOOL_VENV_DIRS
            if fs.is_dir(f"{home.rstrip('/')}/{where}")]


def pipx_home_of(fs: RootFS, venv: str) -> str:
    """PIPX_HOME when `venv` is pipx's: one of its apps (PIPX_HOME/venvs/NAME with pipx's
    record beside pyvenv.cfg, NAME a package name) or its own PIPX_HOME/shared; '' otherwise."""
    parent, _, name = venv.rpartition("/")
    if name == SHARED and parent and fs.is_dir(f"{parent}/venvs"):
        return parent
    home, _, venvs = parent.rpartition("/")
    if venvs != "venvs" or not home or not APP_NAME.fullmatch(name):
        return ""
    return home if fs.is_file(f"{venv}/{METADATA}") else ""


def is_pipx_app(venv_path: str, pipx_home: str) -> bool:
    return bool(pipx_home) and venv_path != f"{pipx_home}/{SHARED}"
