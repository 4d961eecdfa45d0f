"""pip's command scripts (pip, pip3, pip3.X) and what each would import, read from files only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from . import Facts
from .python import follow_python3
from .sites import login_homes

PIP_NAME = re.compile(r"pip(?:3(?:\.\d+)?)?")
FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(pip(?:\.\w+)*)[ \t]+import[ \t]+(\w+)", re.M)
PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+(pip(?:\.\w+)*)\b", re.M)
ROOT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
"""root's PATH on Debian (login.defs ENV_SUPATH), where `#!/usr/bin/env python3` looks."""
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"


@dataclass(frozen=True)
class PipScript:
    """One pip command script, its interpreter, and the pip it would import."""

    path: str
    owners: Tuple[str, ...]
    interpreter: str
    """The interpreter the shebang names (for `env NAME`, what root's PATH finds first)."""
    interpreter_final: str
    """Where that interpreter's symlinks end."""
    interpreter_ok: bool
    version: Optional[str]
    """The Python version it runs, when files tell it."""
    module: str
    """What the script imports from: "pip._internal.cli.main" (empty when nothing from pip)."""
    name: str
    """The name imported from `module` ("main"), empty for `import pip...`."""
    sites: Tuple[str, ...]
    """Site directories the interpreter sees, in sys.path order (empty when unknown)."""
    pip_dir: str
    """The pip package the interpreter would import (first in `sites`), empty when none."""
    problem: str
    """Why running it fails, in the words Python would use; empty when it would work."""


@dataclass(frozen=True)
class PipScripts:
    scripts: Tuple[PipScript, ...]
    root_home: str


def gather_pip_scripts(facts: Facts) -> PipScripts:
    fs = facts.fs
    home = next((h for user, h in login_homes(fs) if user == "root"), "/root")
    dirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/bin", f"{home}/.local/bin"]
    scripts: List[PipScript] = []
    for directory in dirs:
        for entry in fs.listdir(directory):
            if not PIP_NAME.fullmatch(entry):
                continue
            script = _read_script(facts, f"{directory}/{entry}", home)
            if script is not None:
                scripts.append(script)
    return PipScripts(tuple(scripts), home)


def _read_script(facts: Facts, path: str, home: str) -> Optional[PipScript]:
    fs = facts.fs
    data = fs.read_bytes(path, limit=1 << 20)
    if not data or not data.startswith(b"#!"):
        return None  # a binary or an empty file: not a Python entry point
    text = data.decode("utf-8", "surrogateescape")
    words = text.split("\n", 1)[0][2:].split()
    if not words:
        return None
    interpreter, args = words[0], words[1:]
    if interpreter.rsplit("/", 1)[-1] == "env":
        names = [w for w in args if not w.startswith("-") and "=" not in w]
        if not names:
            return None
        args = args[args.index(names[0]) + 1:]
        interpreter = _which(facts, names[0])
    link = follow_python3(fs, facts.dpkg, interpreter)
    ok = link.kind == "file"
    m = FROM_IMPORT.search(text)
    module, name = (m.group(1), m.group(2)) if m else ("", "")
    if not module:
        plain = PLAIN_IMPORT.search(text)
        module = plain.group(1) if plain else ""
    no_user = any(a.startswith("-") and ("s" in a or "I" in a) for a in args)
    sites = _sites(facts, link.final, link.version, home, no_user) if ok else ()
    pip_dir = next((f"{s}/pip" for s in sites if fs.is_file(f"{s}/pip/__init__.py")), "")
    if not ok:
        problem = f"its interpreter {interpreter} does not exist" if link.kind == "missing" else \
            f"its interpreter {interpreter} is not a program ({link.kind})"
    elif module and sites:
        problem = _import_problem(facts, pip_dir, module, name)
    else:
        problem = ""
    return PipScript(path, facts.dpkg.owners(path), interpreter, link.final, ok, link.version,
                     module, name, sites, pip_dir, problem)


def _which(facts: Facts, name: str) -> str:
    if "/" in name:
        return name
    for directory in ROOT_PATH:
        if facts.fs.exists(f"{directory}/{name}"):
            return f"{directory}/{name}"
    return f"/usr/bin/{name}"


def _sites(facts: Facts, final: str, version: Optional[str], home: str,
           no_user: bool) -> Tuple[str, ...]:
    """Where `import pip` looks for this interpreter, in order (user site first, as site.py)."""
    if not version:
        return ()
    user = () if no_user else (f"{home}/.local/lib/python{version}/site-packages",)
    if final == f"/usr/bin/python{version}" and facts.dpkg.owners(final):
        system = (f"/usr/local/lib/python{version}/dist-packages", DEBIAN_DIST_PACKAGES)
    else:  # a build of its own (make install, pyenv, conda): PREFIX/lib/python3.X/site-packages
        prefix = final.rsplit("/", 2)[0] or "/"
        system = (f"{prefix}/lib/python{version}/site-packages",)
    return user + system


def _import_problem(facts: Facts, pip_dir: str, module: str, name: str) -> str:
    """The ImportError the script's `from MODULE import NAME` would raise, or ""."""
    fs = facts.fs
    if not pip_dir:
        return "No module named 'pip'"
    base = pip_dir
    parts = module.split(".")[1:]
    for i, part in enumerate(parts):
        if fs.is_dir(f"{base}/{part}") and fs.is_file(f"{base}/{part}/__init__.py"):
            base = f"{base}/{part}"
        elif i == len(parts) - 1 and fs.is_file(f"{base}/{part}.py"):
            base = f"{base}/{part}.py"
        else:
            return f"No module named '{'.'.join(['pip'] + parts[:i + 1])}'"
    if not name:
        return ""
    source_path = base if base.endswith(".py") else f"{base}/__init__.py"
    source = fs.read_text(source_path, limit=4 << 20) or ""
    if _defines(source, name):
        return ""
    if not base.endswith(".py") and (fs.is_file(f"{base}/{name}.py") or
                                     fs.is_file(f"{base}/{name}/__init__.py")):
        return ""  # a submodule: `from pip._internal import main` may import pip/_internal/main.py
    return f"cannot import name '{name}' from '{module}' ({source_path})"


def _defines(source: str, name: str) -> bool:
    n = re.escape(name)
    if re.search(rf"^(?:async[ \t]+)?def[ \t]+{n}\b|^class[ \t]+{n}\b|^{n}[ \t]*[:=]", source, re.M):
        return True
    for m in re.finditer(r"^[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t]+(\([^)]*\)|[^\n]*)", source, re.M):
        if re.search(rf"(?:^|[\s,(]){n}(?:$|[\s,)])|\bas[ \t]+{n}\b", m.group(1)):
            return True
    return False
