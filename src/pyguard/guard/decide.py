"""The guard's decision: may this pip call run? Pure: argv, environment and facts in, a Decision
out; it reads nothing but the paths it resolves. Stdlib only (the allowed path's speed).

Refused, when run as root (sudo included) and not --dry-run: `install` and `uninstall` for
Debian's system interpreter; `install --user` (root's user site comes first on every root
Python's sys.path); `--target`, `--prefix`, `--root /` into the system's directories, whatever
the interpreter; `download -d`/`wheel -w` into them; `config set` of break-system-packages.
Everything else, and anything inside a virtual environment, passes.
"""

from __future__ import annotations

import os

from . import pipargs

READ_ONLY = {"", "list", "show", "freeze", "check", "help", "search", "index", "inspect",
             "debug", "hash", "completion", "cache", "lock"}

# Trees that belong to the system: dpkg's files, the site dirs of /usr/local, system config.
SYSTEM_TREES = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/boot",
                "/var/lib")

TRUE = {"1", "y", "yes", "t", "true", "on"}


class Decision:
    """allow: run the real pip. code: a stable word for logs and tests. why: one sentence.
    pip: the parsed command line. writes_to: the directory the refused call would write into.
    bypass: the PEP 668 bypasses present (--break-system-packages, PIP_BREAK_SYSTEM_PACKAGES).
    """

    __slots__ = ("allow", "code", "why", "pip", "writes_to", "bypass")

    def __init__(self, allow, code, why, pip=None, writes_to="", bypass=()):
        self.allow = allow
        self.code = code
        self.why = why
        self.pip = pip
        self.writes_to = writes_to
        self.bypass = tuple(bypass)

    def __repr__(self) -> str:
        return f"Decision({'allow' if self.allow else 'refuse'}, {self.code!r}, {self.why!r})"


def _env_true(env, name: str) -> bool:
    return env.get(name, "").strip().lower() in TRUE


def _last(pip, option: str, env, env_name: str) -> str:
    values = pip.values(option)
    if values:
        return values[-1]
    return env.get(env_name, "")


def is_system_path(path: str, cwd: str, home: str = "/root") -> bool:
    """Whether `path` (relative to cwd) resolves to / or into a tree the system owns, or into
    root's user site (~root/.local/lib)."""
    if not path:
        return False
    real = os.path.realpath(os.path.join(cwd, os.path.expanduser(path)))
    if real == "/":
        return True
    trees = SYSTEM_TREES + (os.path.join(home, ".local"),)
    return any(real == t or real.startswith(t.rstrip("/") + "/") for t in trees)


def site_dir(target) -> str:
    """Where Debian's pip puts a root install of the system interpreter."""
    return f"/usr/local/lib/python{target.version or '3'}/dist-packages"


def decide(argv, env, euid: int, target_fn, cwd: str = "/", home: str = "/root") -> Decision:
    """Decide for pip argv (without the program name).

    target_fn(python_option) -> Target is called only when the answer depends on the
    interpreter, so read-only calls never look for it.
    """
    pip = pipargs.parse(argv)
    command = pip.command
    bypass = []
    if pip.has("--break-system-packages"):
        bypass.append("--break-system-packages")
    if _env_true(env, "PIP_BREAK_SYSTEM_PACKAGES"):
        bypass.append("PIP_BREAK_SYSTEM_PACKAGES")

    def allow(code, why):
        return Decision(True, code, why, pip, bypass=bypass)

    def refuse(code, why, writes_to=""):
        return Decision(False, code, why, pip, writes_to, bypass)

    if command in READ_ONLY:
        return allow("read-only", f"pip {command or '--version/--help'} only reads")
    if euid != 0:
        return allow("not-root", "not run as root: pip cannot change the system's packages")
    if command == "config":
        sub = pip.args[0] if pip.args else ""
        if sub in ("set", "unset") and any("break-system-packages" in a for a in pip.args[1:]):
            return refuse("config-bypass",
                          "it would switch off PEP 668 for every pip run as root")
        return allow("read-only", "pip config does not change the installed packages")
    if command in ("download", "wheel"):
        dest = _last(pip, "--dest" if command == "download" else "--wheel-dir", env,
                     "PIP_DEST" if command == "download" else "PIP_WHEEL_DIR")
        if is_system_path(dest, cwd, home):
            return refuse("system-dir", f"it would write archives into {dest}, a system directory",
                          dest)
        return allow("elsewhere", f"pip {command} writes archives, not installed packages")
    if command not in ("install", "uninstall"):
        return allow("unknown-command", f"pip {command} is not a command that writes")
    if command == "install" and pip.has("--dry-run"):
        return allow("dry-run", "pip install --dry-run changes nothing")

    if command == "install":
        root = _last(pip, "--root", env, "PIP_ROOT")
        target_dir = _last(pip, "--target", env, "PIP_TARGET")
        prefix = _last(pip, "--prefix", env, "PIP_PREFIX")
        if root and os.path.realpath(os.path.join(cwd, root)) != "/":
            return allow("elsewhere", f"--root {root} stages the files outside the system")
        if target_dir:
            if is_system_path(target_dir, cwd, home):
                return refuse("system-dir",
                              f"--target {target_dir} is a system directory", target_dir)
            return allow("elsewhere", f"--target {target_dir} is outside the system")
        if prefix:
            if is_system_path(prefix, cwd, home):
                return refuse("system-dir", f"--prefix {prefix} is a system directory", prefix)
            return allow("elsewhere", f"--prefix {prefix} is outside the system")
        user = pip.has("--user") or _env_true(env, "PIP_USER")
        target = target_fn(_last(pip, "--python", env, "PIP_PYTHON"))
        if user and not target.venv:
            where = os.path.join(home, ".local", "lib", f"python{target.version or '3'}", "site-packages")
            return refuse("user-site",
                          f"--user as root writes {where}, which every Python program run as root "
                          "imports before Debian's own packages", where)
    else:
        target = target_fn(_last(pip, "--python", env, "PIP_PYTHON"))
    if target.venv:
        return allow("venv", f"{target.interpreter} is a virtual environment's")
    if not target.system:
        return allow("not-debian-python", f"{target.interpreter} is not Debian's Python")
    version = f" {target.version}" if target.version else ""
    if command == "uninstall":
        return refuse("system", f"it would remove packages from Debian's system Python{version}",
                      site_dir(target))
    return refuse("system", f"it would install into Debian's system Python{version}",
                  site_dir(target))
