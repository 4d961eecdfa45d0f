"""Find the real pip behind a shim and the interpreter it runs, from files only. Stdlib only.

The shims live in /usr/local/sbin, first on root's PATH: the real pip is the next one on PATH
that is not a shim. A file is a shim when its first bytes carry SHIM_MARKER, wherever it is, so
a copied or renamed shim is never exec'd as "the real pip" (that would loop).
"""

from __future__ import annotations

import os

SHIM_MARKER = b"# pyguard-pip-shim"
SHIM_DIR = "/usr/local/sbin"


def is_shim(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return SHIM_MARKER in f.read(512)
    except OSError:
        return False


def find_real(name: str, path_env: str, skip_dirs=(SHIM_DIR,)) -> str:
    """The first executable `name` on PATH outside `skip_dirs` that is not a shim, or ""."""
    skip = {os.path.normpath(d) for d in skip_dirs}
    for directory in path_env.split(os.pathsep):
        if not directory or os.path.normpath(directory) in skip:
            continue
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK) and not is_shim(candidate):
            return candidate
    return ""


def shebang(path: str) -> list:
    """The interpreter line of a script as [interpreter, args...], or [] for anything else."""
    try:
        with open(path, "rb") as f:
            head = f.read(256)
    except OSError:
        return []
    if not head.startswith(b"#!"):
        return []
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return line.split()


class Target:
    """The interpreter whose packages a pip call would change.

    interpreter: its path as pip would run it ("" when unknown).
    venv: the interpreter is a virtual environment's (its sys.prefix differs from its base),
          told by a pyvenv.cfg next to it or one level up, as Python itself finds it.
    system: it is Debian's interpreter (/usr/bin/python3*), outside any venv.
    version: "3.11" when the name or the resolved file tells, else "".
    """

    __slots__ = ("interpreter", "venv", "system", "version", "prefix", "base_prefix")

    def __init__(self, interpreter: str, venv: bool, system: bool, version: str = "",
                 prefix: str = "", base_prefix: str = "") -> None:
        self.interpreter = interpreter
        self.venv = venv
        self.system = system
        self.version = version
        self.prefix = prefix
        self.base_prefix = base_prefix

    def __repr__(self) -> str:
        return (f"Target({self.interpreter!r}, venv={self.venv}, system={self.system}, "
                f"version={self.version!r})")


def _venv_cfg(interpreter: str) -> str:
    here = os.path.dirname(interpreter)
    for directory in (here, os.path.dirname(here)):
        cfg = os.path.join(directory, "pyvenv.cfg")
        if os.path.isfile(cfg):
            return cfg
    return ""


def _version_of(path: str) -> str:
    base = os.path.basename(path)
    if base.startswith("python3.") and base[8:].isdigit():
        return base[6:]
    return ""


def inspect_interpreter(interpreter: str) -> Target:
    if not interpreter:
        return Target("", venv=False, system=True)  # unknown: treat as the system's (fail closed)
    if os.path.isdir(interpreter):  # pip --python VENV_DIR
        interpreter = os.path.join(interpreter, "bin", "python")
    cfg = _venv_cfg(interpreter)
    if cfg:
        prefix = os.path.dirname(cfg)
        return Target(interpreter, venv=True, system=False,
                      version=_version_of(os.path.realpath(interpreter)),
                      prefix=prefix, base_prefix="")
    real = os.path.realpath(interpreter)
    version = _version_of(real) or _version_of(interpreter)
    base = os.path.basename(real)
    if not base.startswith(("python", "pypy")):
        # a shell wrapper (`exec python3 -m pip "$@"`) or a launcher pyguard cannot read:
        # it may well be the system's pip, so it is guarded as one (fail closed)
        return Target(interpreter, venv=False, system=True, version=version)
    system = os.path.dirname(real) in ("/usr/bin", "/bin")
    return Target(interpreter, venv=False, system=system, version=version,
                  prefix="/usr" if system else "", base_prefix="/usr" if system else "")


def target_of(real_pip: str, python_option: str, path_env: str) -> Target:
    """The interpreter a pip call writes for: --python if given, else the real pip's shebang."""
    if python_option:
        if os.sep not in python_option:
            python_option = find_real(python_option, path_env) or python_option
        return inspect_interpreter(python_option)
    if not real_pip:
        return Target("", venv=False, system=True)
    line = shebang(real_pip)
    if not line:
        # no script (a binary launcher): a venv's pip sits in VENV/bin next to pyvenv.cfg's dir
        return inspect_interpreter(os.path.join(os.path.dirname(real_pip), "python")
                                   if _venv_cfg(real_pip) else "")
    interpreter = line[0]
    if os.path.basename(interpreter) == "env":
        names = [a for a in line[1:] if not a.startswith("-")]
        interpreter = find_real(names[0], path_env) if names else ""
    return inspect_interpreter(interpreter)
