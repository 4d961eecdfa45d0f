"""uv's tools: the venvs `uv tool install` made, and the uv that can make them work again.

uv keeps each tool in ~/.local/share/uv/tools/NAME, a venv with uv-receipt.toml beside its
pyvenv.cfg (what was asked for, from which index), and links its programs into ~/.local/bin.
On a Debian host without a Python of uv's own, the venv's bin/python leads to /usr/bin/python3,
so a release upgrade leaves it running the next Python without its projects. uv is not
Debian's: the one that repairs a tool is its owner's, run as its owner.

uv repairs a tool in place (`uv tool upgrade --reinstall --python`): it installs into the new
Python's lib/python3.X/site-packages and leaves pyvenv.cfg naming the old version, which Python
itself never reads. Such a venv works; facts.venvs takes it as it is.
"""

from __future__ import annotations

import re
from typing import Tuple

from ..rootfs import RootFS

TOOLS = ".local/share/uv/tools"
"""Below a home: uv's tool directory (UV_TOOL_DIR's default, XDG_DATA_HOME unset)."""
RECEIPT = "uv-receipt.toml"
TOOL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A tool directory uv names after the package it holds; anything else is not taken for one
(the name goes into a command)."""
PROGRAMS = (".local/bin/uv", ".cargo/bin/uv")
"""Where uv's installer (and pip --user, pipx) put uv below a home, before the system's."""
SYSTEM_PROGRAMS = ("/usr/local/bin/uv", "/usr/bin/uv")


def uv_tools_of(fs: RootFS, venv: str) -> str:
    """The tool directory when `venv` is one of uv's tools (TOOLS/NAME with uv's receipt);
    '' otherwise."""
    tools, _, name = venv.rpartition("/")
    if not tools.endswith("/" + TOOLS) or not TOOL_NAME.fullmatch(name):
        return ""
    return tools if fs.is_file(f"{venv}/{RECEIPT}") else ""


def home_of(tools: str) -> str:
    return tools[:-len("/" + TOOLS)] or "/"


def uv_programs(tools: str) -> Tuple[str, ...]:
    """Where the uv of the home that holds `tools` may be, in the order it is looked for."""
    home = home_of(tools).rstrip("/")
    return tuple(f"{home}/{program}" for program in PROGRAMS) + SYSTEM_PROGRAMS


def repaired_in_place(fs: RootFS, venv: str, runs: str) -> bool:
    """Whether uv installed the tool again for the Python its interpreter runs now: a
    site-packages of that version that holds a project."""
    site = f"{venv}/lib/python{runs}/site-packages"
    return any(name.endswith(".dist-info") for name in fs.listdir(site))
