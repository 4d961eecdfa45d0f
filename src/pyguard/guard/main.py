"""Entry of the guard: `pyguard pip ARGS` and the pip shims land here. Stdlib only.

An allowed call costs the argument scan and an os.execv of the real pip (same argv, stdin,
stdout, tty; pip's exit code and signals are then pip's own). A refused call logs, prints what
to do instead and exits 1, as pip does for its own PEP 668 refusal. If the guard itself fails,
a call that may write, run as root, is refused with the reason; any other call still runs.
"""

from __future__ import annotations

import os
import sys

from . import target as _target

OVERRIDE_FLAG = "--pyguard-override"
OVERRIDE_ENV = "PYGUARD_OVERRIDE"
EXIT_REFUSED = 1
EXIT_NO_PIP = 127
MUTATING_WORDS = ("install", "uninstall", "config", "download", "wheel")


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "y", "yes", "t", "true", "on")


def _home() -> str:
    try:
        import pwd
        return pwd.getpwuid(os.geteuid()).pw_dir or "/root"
    except (ImportError, KeyError):
        return "/root"


def run(argv, name: str = "pip", shim_path: str = "", prog: str = "") -> int:
    """Run pip through the guard; returns only when pip is not exec'd."""
    env = os.environ
    prog = prog or ("pyguard pip" if not shim_path else name)
    override = OVERRIDE_FLAG in argv or _truthy(env.get(OVERRIDE_ENV, ""))
    argv = [a for a in argv if a != OVERRIDE_FLAG]
    path_env = env.get("PATH") or os.defpath
    skip = [_target.SHIM_DIR]
    if shim_path:
        skip.append(os.path.dirname(os.path.abspath(shim_path)))
    real = ""
    euid = os.geteuid()
    try:
        real = _target.find_real(name, path_env, skip)
        from .decide import decide
        decision = decide(argv, env, euid,
                          lambda python: _target.target_of(real, python, path_env),
                          os.getcwd(), _home() if euid == 0 else "/root")
    except Exception as exc:  # the guard failed: fail closed for what may write, as root
        decision = _failed(argv, euid, exc)
    if decision.allow:
        return _exec(real, name, argv)
    if override:
        _log("override", decision, prog, argv, real)
        return _exec(real, name, argv)
    _log("refused", decision, prog, argv, real)
    try:
        from .suggest import refusal
        text = refusal(decision, prog, argv, env)
    except Exception as exc:  # suggestions are help, not the guard: refuse all the same
        text = _plain_refusal(decision, prog, argv, env, exc)
    try:
        from ..render.escape import printable_lines  # a requirements file's lines are in it
        sys.stderr.write(printable_lines(text))
        sys.stderr.flush()
    except OSError:
        pass
    aptindex = sys.modules.get(f"{__package__}.aptindex")
    if aptindex is not None:  # if it read the apt lists in part, the whole index in the background
        aptindex.complete_later()
    return EXIT_REFUSED


def _failed(argv, euid: int, exc: Exception):
    from .decide import Decision
    words = [a.lower() for a in argv if not a.startswith("-")]
    mutating = not words or words[0] in MUTATING_WORDS or words[0] not in (
        "list", "show", "freeze", "check", "help", "search", "index", "inspect", "debug", "hash",
        "completion", "cache")
    if argv and all(a.startswith("-") for a in argv):
        mutating = False  # pip --version, pip --help
    if euid == 0 and mutating:
        return Decision(False, "guard-failed",
                        f"the guard could not check this command ({type(exc).__name__}: {exc})")
    return Decision(True, "guard-failed-read-only", f"guard failed ({exc}); read-only call")


def _exec(real: str, name: str, argv) -> int:
    if not real:
        sys.stderr.write(
            f"{name}: command not found (pyguard's shim found no real {name} on PATH; "
            "Debian's pip is `pip3`, from python3-pip: apt install python3-pip)\n")
        return EXIT_NO_PIP
    try:
        sys.stdout.flush()
        os.execv(real, [real, *argv])
    except OSError as exc:
        sys.stderr.write(f"pyguard: cannot run {real}: {exc.strerror}\n")
        return 126
    return 126  # not reached


def _log(event: str, decision, prog: str, argv, real: str) -> None:
    try:
        from .log import log_decision
        log_decision(event, decision, prog, argv, real)
    except Exception:  # logging must never decide: the refusal stands, the override runs
        pass


def _plain_refusal(decision, prog: str, argv, env, exc: Exception) -> str:
    sudo = "sudo " if env.get("SUDO_USER") else ""
    command = " ".join([prog, *argv])
    return (f"pyguard: refused `{command}`: {decision.why}.\n"
            f"(pyguard could not look up what to do instead: {type(exc).__name__}: {exc})\n"
            f"To run it anyway, on purpose (logged): {sudo}{prog} {OVERRIDE_FLAG} {' '.join(argv)}\n")


def shim(name: str, path: str) -> None:
    """What a shim file runs: the guard for `name` (pip, pip3, pip3.11)."""
    sys.exit(run(sys.argv[1:], name=name, shim_path=path, prog=name))
