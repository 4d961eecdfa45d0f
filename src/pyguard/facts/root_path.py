"""What `python3` means for root: root's PATH, sudo's secure_path, pyenv and conda set-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from . import Facts
from .sites import login_homes

DEBIAN_SUPATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
SHELL_FILES = (".bashrc", ".profile", ".bash_profile", ".bash_login", ".zshrc", ".zprofile")
ENV_SUPATH = re.compile(r"^[ \t]*ENV_SUPATH[ \t]+(?:PATH=)?(\S+)", re.M)
SECURE_PATH = re.compile(r"^[ \t]*Defaults[^\n#]*?\bsecure_path[ \t]*=[ \t]*\"?([^\"\s,]+)", re.M)
PATH_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?PATH=[\"']?([^\"'\s;]*)")
PYENV_INIT = re.compile(r"\bpyenv[ \t]+init\b")
CONDA_START = "# >>> conda initialize >>>"
CONDA_END = "# <<< conda initialize <<<"
AUTO_ACTIVATE = re.compile(r"^[ \t]*auto_activate_base[ \t]*:[ \t]*(\S+)", re.M)


@dataclass(frozen=True)
class ShellLine:
    file: str
    number: int
    """1-based line number."""
    text: str


@dataclass(frozen=True)
class PathEntry:
    directory: str
    source: str
    """Where it comes from: /etc/login.defs, /etc/sudoers, or the shell file line that adds it."""
    line: Optional[ShellLine] = None


@dataclass(frozen=True)
class RootShell:
    home: str
    login_path: Tuple[PathEntry, ...]
    """root's PATH as a login shell builds it (ENV_SUPATH, then root's shell files' PATH lines)."""
    sudo_path: Tuple[PathEntry, ...]
    """sudo's secure_path, empty when sudo sets none."""
    pyenv_lines: Tuple[ShellLine, ...]
    """`pyenv init` lines and PATH lines naming .pyenv in root's shell files."""
    pyenv_version: str
    """The version pyenv's global file selects ("system" when there is none)."""
    conda_blocks: Tuple[Tuple[ShellLine, ...], ...]
    """Each `# >>> conda initialize >>>` block in root's shell files, marker lines included."""
    condarc: str
    auto_activate_base: Optional[str]
    """The value in root's .condarc, None when it does not say (conda's default is true)."""


def gather_root_shell(facts: Facts) -> RootShell:
    fs = facts.fs
    home = next((h for user, h in login_homes(fs) if user == "root"), "/root")
    defs = ENV_SUPATH.search(fs.read_text("/etc/login.defs", limit=1 << 20) or "")
    base = tuple(d for d in defs.group(1).split(":") if d) if defs else DEBIAN_SUPATH
    login: List[PathEntry] = [PathEntry(d, "/etc/login.defs") for d in base]
    pyenv: List[ShellLine] = []
    blocks: List[Tuple[ShellLine, ...]] = []
    for name in SHELL_FILES:
        path = f"{home}/{name}"
        text = fs.read_text(path, limit=1 << 20)
        if text is None:
            continue
        block: Optional[List[ShellLine]] = None
        for number, raw in enumerate(text.split("\n"), 1):
            line = ShellLine(path, number, raw)
            stripped = raw.strip()
            if stripped.startswith(CONDA_START):
                block = [line]
                continue
            if block is not None:
                block.append(line)
                if stripped.startswith(CONDA_END):
                    blocks.append(tuple(block))
                    block = None
                continue
            if stripped.startswith("#"):
                continue
            if PYENV_INIT.search(raw):
                pyenv.append(line)
                continue
            m = PATH_LINE.match(raw)
            if m and ("$PATH" in m.group(1) or "${PATH}" in m.group(1)):
                if ".pyenv" in m.group(1):
                    pyenv.append(line)
                login = _apply(login, m.group(1), line)
    sudo: List[PathEntry] = []
    for sudoers in ["/etc/sudoers"] + [f"/etc/sudoers.d/{n}" for n in fs.listdir("/etc/sudoers.d")
                                       if "." not in n and not n.endswith("~")]:
        for m in SECURE_PATH.finditer(fs.read_text(sudoers, limit=1 << 20) or ""):
            sudo = [PathEntry(d, sudoers) for d in m.group(1).split(":") if d]  # last one wins
    pyenv_root = f"{home}/.pyenv"
    version = (fs.read_text(f"{pyenv_root}/version", limit=4096) or "system").split()
    condarc = f"{home}/.condarc"
    auto = AUTO_ACTIVATE.search(fs.read_text(condarc, limit=1 << 20) or "")
    return RootShell(home, tuple(login), tuple(sudo), tuple(pyenv),
                     version[0] if version else "system", tuple(blocks), condarc,
                     auto.group(1).lower() if auto else None)


def _apply(path: List[PathEntry], value: str, line: ShellLine) -> List[PathEntry]:
    """PATH=A:$PATH:B applied to the current entries."""
    out: List[PathEntry] = []
    home = line.file.rsplit("/", 1)[0]
    for part in value.split(":"):
        if part in ("$PATH", "${PATH}"):
            out += path
        elif part:
            out.append(PathEntry(part.replace("${HOME}", home).replace("$HOME", home).replace("~", home), line.file, line))
    return out
