"""The apt.conf.d file that runs the hooks, and `pyguard hooks install|uninstall|status`.

The Debian package ships /etc/apt/apt.conf.d/80pyguard as a conffile, running /usr/bin/pyguard
(the launcher that picks a working python3.X by itself). For a pip or pipx install, `pyguard
hooks install` writes the same file but runs pyguard with the real interpreter file behind the
one running it now (/usr/bin/python3.11, not /usr/bin/python3 or a venv's bin/python that leads
through it), isolated (-I -S -B) with pyguard's own directories appended to sys.path: a broken
/usr/bin/python3 is exactly when the hook has something to say. What install placed is recorded
with its sha256 in /var/lib/pyguard/hooks.json (both inside --root); uninstall removes it only
if it is still exactly as placed, and never touches a file it did not place.

Each apt.conf line runs `sh -c`: it does nothing when pyguard is gone (a removed package keeps
its conffiles), is stopped by `timeout` if it ever stalls, and always exits 0 (`|| true`), since
apt aborts the whole run when a Pre-Invoke command fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from typing import Dict, List, Sequence, Tuple

from ..placing import (forget, lstat, make_dirs, place, read_state, remove_placed,
                       sha256_in, write_state)

FILE = "/etc/apt/apt.conf.d/80pyguard"
STATE = "/var/lib/pyguard/hooks.json"
FORMAT = 1
PACKAGE_LAUNCHER = "/usr/bin/pyguard"
PACKAGE_DIST = "/usr/lib/python3/dist-packages"
MARKER = "// pyguard-apt-hooks"
TIMEOUT = "timeout --foreground --kill-after=2 10"
"""A stalled hook is stopped after 10 s (killed 2 s later); --foreground keeps it in apt's
process group, so Ctrl-C reaches it and it may write to apt's terminal."""
BOOT = "import sys; sys.path += sys.argv.pop(1).split(chr(58)); from pyguard.cli import main; sys.exit(main())"
"""How a pip install's hook starts: pyguard's directories come as the first argument."""
ACTIONS = ("pre-invoke", "post-invoke", "post-update")
OPTIONS = ("DPkg::Pre-Invoke", "DPkg::Post-Invoke",
           "APT::Update::Post-Invoke-Success")
"""The apt.conf option that runs each action."""


class HookError(Exception):
    """The hooks cannot be placed as asked; the message says why."""


def package_launch() -> List[str]:
    return [PACKAGE_LAUNCHER]


def python_launch(interpreter: str, paths: Sequence[str]) -> List[str]:
    """The words that start pyguard with `interpreter`, isolated, finding it in `paths`."""
    for path in (interpreter, *paths):
        if not path.startswith("/") or re.search(r'["\n:\\]', path):
            raise HookError(f"{path!r}: the hooks need absolute paths without quotes, "
                            "backslashes, colons or newlines")
    return [interpreter, "-I", "-S", "-B", "-c", BOOT, ":".join(paths)]


def current_launch() -> List[str]:
    """How apt should start the pyguard running now: the Debian package's launcher when this is
    the package, else this interpreter's real file with pyguard's directories."""
    import pyguard

    here = os.path.dirname(os.path.dirname(os.path.abspath(pyguard.__file__)))
    if here == PACKAGE_DIST and os.access(PACKAGE_LAUNCHER, os.X_OK):
        return package_launch()
    from ..guard.shims import default_paths

    return python_launch(os.path.realpath(sys.executable), default_paths())


def _guard(launch: Sequence[str]) -> str:
    """The shell test that the pyguard `launch` names is still there."""
    tests = [f"[ -x {shlex.quote(launch[0])} ]"]
    if len(launch) > 1:
        first = launch[-1].split(":")[0]
        tests.append(f"[ -f {shlex.quote(first + '/pyguard/cli.py')} ]")
    return " && ".join(tests)


def command_line(launch: Sequence[str], action: str) -> str:
    """The shell command apt runs for `action` (one of ACTIONS)."""
    words = " ".join(shlex.quote(w) for w in launch)
    return (f"if {_guard(launch)}; then {TIMEOUT} {words} hooks {action} </dev/null || true; fi")


def conf_text(launch: Sequence[str], placed_by: str = "the pyguard package") -> str:
    lines = [
        f"{MARKER}: placed by {placed_by}; see pyguard(1).",
        "// Before dpkg runs: say why the maintainer scripts of Python packages will fail, and the",
        "// exact repair. After it: what the run left broken. Silent on a healthy system. They never",
        "// fail or stall apt (time-limited, exit code ignored) and do nothing once pyguard is gone.",
        "// After apt update: bring the pip guard's index of the apt lists up to date, where the",
        "// guard is placed. Turn them off with [hooks] apt = no in /etc/pyguard/pyguard.conf.",
    ]
    for action, option in zip(ACTIONS, OPTIONS):
        line = command_line(launch, action)
        if '"' in line:
            raise HookError(f"cannot write {line!r} into an apt.conf string")
        lines.append(f'{option} {{ "{line}"; }};')
    return "\n".join(lines) + "\n"


def runner(text: str) -> Tuple[str, ...]:
    """The executables (and pyguard's cli.py) a hooks file tests for before it runs."""
    found: List[str] = []
    for word, path in re.findall(r"\[ -([xf]) ('[^']*'|\S+) \]", text):
        path = shlex.split(path)[0]
        if path not in found:
            found.append(path)
    return tuple(found)


# -- install, uninstall, status ----------------------------------------------------------------


def load_state(root: str) -> Dict:
    state = read_state(root, STATE)
    return state if state is not None and isinstance(state.get("file"), str) else {}


def _save_state(root: str, state: Dict) -> None:
    write_state(root, STATE, state)


def shipped_by_package(root: str) -> bool:
    """Whether dpkg lists the file as a conffile of the pyguard package."""
    from ..rootfs import RootFS

    with RootFS(root) as fs:
        return FILE in (fs.read_text("/var/lib/dpkg/info/pyguard.conffiles") or "").split()


def _has_apt(root: str) -> bool:
    from ..rootfs import RootFS

    with RootFS(root) as fs:
        return fs.is_dir("/etc/apt")


def install(root: str, launch: Sequence[str]) -> Tuple[int, List[str]]:
    """Place the hooks file; returns (exit code, lines). 1 when a file not pyguard's is there."""
    if not _has_apt(root):
        return 3, [f"no /etc/apt in {root}: the hooks are for apt, which is not installed there"]
    text = conf_text(launch, "`pyguard hooks install`; `pyguard hooks uninstall` removes it")
    digest = hashlib.sha256(text.encode()).hexdigest()
    state = load_state(root)
    recorded = state.get("sha256") if state.get("file") == FILE else None
    created: List[str] = list(state.get("created_dirs", []))
    lines: List[str] = []
    if lstat(root, FILE) is not None:
        current = sha256_in(root, FILE)  # None for a link: never followed
        if recorded and current == recorded:
            if current == digest:
                lines.append(f"kept     {FILE} (already in place)")
            else:
                place(root, FILE, text, 0o644, replace=True)
                lines.append(f"updated  {FILE}")
        elif recorded:
            return 1, [f"SKIPPED  {FILE}: changed since pyguard placed it; left alone "
                       "(it is yours now: edit it, or move it away and install again)"]
        elif current == digest:
            lines.append(f"adopted  {FILE} (identical to what pyguard writes)")
        elif shipped_by_package(root):
            return 0, [f"kept     {FILE}: the pyguard package ships it; nothing to do"]
        else:
            return 1, [f"SKIPPED  {FILE}: not placed by pyguard; left alone "
                       "(move it away and run `pyguard hooks install` again)"]
    else:
        make_dirs(root, os.path.dirname(FILE), created)
        place(root, FILE, text, 0o644, replace=False)
        lines.append(f"placed   {FILE}")
    make_dirs(root, os.path.dirname(STATE), created)
    _save_state(root, {"format": FORMAT, "file": FILE, "sha256": digest, "launch": list(launch),
                       "created_dirs": created})
    lines.append(f"  apt runs: {describe(launch)}")
    absent = missing(root, text)
    lines += [f"  MISSING: {path}: the hooks do nothing until it is there (--interpreter and "
              "--pythonpath name what apt should run)" for path in absent]
    lines.append(f"recorded in {STATE}")
    return (1 if absent else 0), lines


def missing(root: str, text: str) -> List[str]:
    """What the hooks file tests for before it runs (runner) that is not in the root: links
    followed inside the root only, as apt's shell in a chroot would."""
    from ..rootfs import RootFS

    with RootFS(root) as fs:
        return [path for path in runner(text) if fs.stat(path) is None]


def describe(launch: Sequence[str]) -> str:
    """What a launch runs, in words."""
    if len(launch) == 1:
        return f"{launch[0]} hooks pre-invoke|post-invoke|post-update"
    return (f"{launch[0]} -I -S -B (pyguard from {launch[-1].split(':')[0]}) "
            "hooks pre-invoke|post-invoke|post-update")


def uninstall(root: str) -> Tuple[int, List[str]]:
    """Remove the file install placed, if it is unchanged; then the record."""
    state = load_state(root)
    there = lstat(root, FILE) is not None
    if not state:
        if shipped_by_package(root) and there:
            return 1, [f"KEPT     {FILE}: the pyguard package ships it; turn the hooks off with "
                       "[hooks] apt = no in /etc/pyguard/pyguard.conf"]
        if there:
            return 1, [f"KEPT     {FILE}: not placed by `pyguard hooks install`; left alone"]
        return 0, ["pyguard's apt hooks are not installed; nothing to remove"]
    outcome = remove_placed(root, FILE, state.get("sha256"))
    if outcome == "kept":
        return 1, [f"KEPT     {FILE}: changed since pyguard placed it; left alone "
                   "(it is yours now: edit or remove it by hand)"]
    lines = [f"gone     {FILE} (already removed)" if outcome == "gone" else f"removed  {FILE}"]
    return 0, lines + forget(root, STATE, state.get("created_dirs", []))


def status(root: str, config_note: str) -> Tuple[int, List[str]]:
    """The hooks file, what it runs, and whether pyguard.conf turns them off."""
    state = load_state(root)
    problem = False
    if lstat(root, FILE) is None:
        where = "MISSING" if state else "not installed"
        lines = [f"{FILE}: {where} (`pyguard hooks install` places it)"]
        return 1, lines + [f"  config: {config_note}"]
    current = sha256_in(root, FILE)  # None for a link: never pyguard's
    if state and current == state.get("sha256"):
        origin = "placed by `pyguard hooks install`, unchanged"
    elif state:
        origin, problem = "CHANGED since `pyguard hooks install` placed it", True
    elif shipped_by_package(root):
        origin = "shipped by the pyguard package"
    else:
        origin, problem = "not placed by pyguard", True
    lines = [f"{FILE}: {origin}"]
    from ..rootfs import RootFS

    fs = RootFS(root)
    data = fs.read_bytes(FILE)  # links followed inside the root only
    text = "" if data is None else data.decode("utf-8", "replace")
    if data is None:
        why = fs.notes[0].message if fs.notes else "not a regular file"
        lines.append(f"  cannot read it: {why}")
        problem = True
    if text and MARKER not in text:
        problem = True
    absent = missing(root, text)
    for needed in runner(text):
        lines.append(f"  needs:  {needed}" + (" (MISSING: the hooks do nothing)"
                                               if needed in absent else ""))
        problem = problem or needed in absent
    lines.append(f"  config: {config_note}")
    return (1 if problem else 0), lines
