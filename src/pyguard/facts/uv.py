"""uv's tools: the venvs `uv tool install` made, and the uv that can make them work again.

uv keeps each tool in ~/.local/share/uv/tools/NAME (or UV_TOOL_DIR/NAME, such as /opt/uv-tools
for everyone), a venv with uv-receipt.toml beside its pyvenv.cfg (what was asked for, from which
index, where each program was linked), and links its programs into ~/.local/bin (or
UV_TOOL_BIN_DIR).
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
ROOT_HOME = "/root"
INSTALL_PATH = re.compile(r'^\s*\{.*\binstall-path\s*=\s*"([^"\\\x00-\x1f\x7f]*)"',
                          re.MULTILINE)
"""An entrypoint's line in the receipt, as uv writes it; a path with an escape or a control
character in it is not taken (the directory goes into a command)."""


def uv_tools_of(fs: RootFS, venv: str) -> str:
    """The tool directory when `venv` is one of uv's tools (DIR/NAME with uv's receipt beside
    its pyvenv.cfg); '' otherwise."""
    tools, _, name = venv.rpartition("/")
    if not tools or not TOOL_NAME.fullmatch(name):
        return ""
    return tools if fs.is_file(f"{venv}/{RECEIPT}") else ""


def uv_programs(tools: str, root_owned: bool) -> Tuple[str, ...]:
    """Where the uv that installs a tool of `tools` again may be, in the order it is looked
    for: below the home that holds `tools` (root's, for root's tools elsewhere), then the
    system's."""
    home = tools[:-len("/" + TOOLS)] if tools.endswith("/" + TOOLS) else ""
    if not home and root_owned:
        home = ROOT_HOME
    return tuple(f"{home}/{program}" for program in PROGRAMS if home) + SYSTEM_PROGRAMS


def interpreter_link(fs: RootFS, venv: str) -> str:
    """VENV/bin/python when it is a link out of the venv, as uv makes it (bin/python3 and
    bin/python3.X lead to it); '' otherwise."""
    link = f"{venv}/bin/python"
    target = fs.readlink(link)
    return link if target is not None and target.startswith("/") else ""


def bin_dir_of(fs: RootFS, venv: str) -> str:
    """The one directory the receipt says the tool's programs were linked into: named to uv
    (UV_TOOL_BIN_DIR), it links them there again, not into ~/.local/bin of whoever runs it;
    '' when the receipt names none, or several."""
    text = fs.read_text(f"{venv}/{RECEIPT}", limit=1 << 16) or ""
    paths = INSTALL_PATH.findall(text)
    if len(paths) != text.count("install-path"):
        return ""  # one uv wrote otherwise: not guessed at
    dirs = {path.rpartition("/")[0] for path in paths}
    only = dirs.pop() if len(dirs) == 1 else ""
    return only if only.startswith("/") else ""


def repaired_in_place(fs: RootFS, venv: str, runs: str) -> bool:
    """Whether uv installed the tool again for the Python its interpreter runs now: a
    site-packages of that version that holds a project."""
    site = f"{venv}/lib/python{runs}/site-packages"
    return any(name.endswith(".dist-info") for name in fs.listdir(site))
