"""Place, remove and report the pip shims in /usr/local/sbin, recorded in
/var/lib/pyguard/guard.json (both inside --root).

/usr/local/sbin is first on root's PATH and on Debian's sudo secure_path, so `sudo pip` and a
root shell's `pip` reach the guard. A shim is a tiny Python script started with `-IS` (no site,
no environment, no script directory on sys.path) by the interpreter pyguard is installed for;
it adds pyguard's directories to sys.path and calls the guard. pyguard never overwrites a file
it did not place, and removes only files that are still exactly as it wrote them.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
from typing import Dict, List, Sequence, Tuple

from ..placing import (forget, lstat, make_dirs, place, read_state, remove_placed,
                       sha256_in, write_state)
from .target import SHIM_MARKER

SHIM_DIR = "/usr/local/sbin"
STATE = "/var/lib/pyguard/guard.json"
FORMAT = 1
SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def shim_names(root: str = "/") -> List[str]:
    """pip, pip3 and pip3.X for each Debian interpreter /usr/bin/python3.X in the root."""
    from ..rootfs import RootFS

    versions = []
    with RootFS(root) as fs:
        for entry in fs.listdir("/usr/bin"):
            match = re.fullmatch(r"python3\.(\d+)", entry)
            if match and fs.is_file("/usr/bin/" + entry):  # links followed inside the root
                versions.append(int(match.group(1)))
    return ["pip", "pip3", *(f"pip3.{v}" for v in sorted(set(versions)))]


def default_paths() -> List[str]:
    """Directories the shim must put on sys.path: pyguard's own, and python-debian's (the
    index builder needs it); both as this interpreter finds them now."""
    import importlib.util

    import pyguard
    paths = [os.path.dirname(os.path.dirname(os.path.abspath(pyguard.__file__)))]
    spec = importlib.util.find_spec("debian")
    if spec is not None and spec.submodule_search_locations:
        paths.append(os.path.dirname(list(spec.submodule_search_locations)[0]))
    return list(dict.fromkeys(paths))


def default_interpreter() -> str:
    """This interpreter; as /usr/bin/python3 when that is the same Debian interpreter, so the
    shims survive the next default-version change (python3.11 -> python3.13)."""
    real = os.path.realpath(sys.executable)
    if re.fullmatch(r"/usr/bin/python3\.\d+", real) and os.path.realpath("/usr/bin/python3") == real:
        return "/usr/bin/python3"
    return sys.executable


def shim_text(name: str, interpreter: str, paths: Sequence[str]) -> str:
    """The shim. If pyguard itself cannot be imported (removed, broken), the shim still refuses
    what may write, as root, and runs the real pip for anything else: the guard fails closed."""
    return (
        f"#!{interpreter} -IS\n"
        f"{SHIM_MARKER.decode()}: `{name}` runs through pyguard's pip guard, which refuses to change\n"
        "# Debian's system Python as root and says what to do instead. Placed by\n"
        "# `pyguard guard install`; `pyguard guard uninstall` removes it.\n"
        "import sys\n"
        f"sys.path += {list(paths)!r}\n"
        "try:\n"
        "    from pyguard.guard.main import shim\n"
        "except Exception as exc:  # pyguard is gone or broken: fail closed for what may write\n"
        "    import os\n"
        "    args = [a for a in sys.argv[1:] if a != '--pyguard-override']\n"
        "    words = [a for a in args if not a.startswith('-')]\n"
        "    override = len(args) < len(sys.argv) - 1 or os.environ.get('PYGUARD_OVERRIDE') == '1'\n"
        "    reads = ('list', 'show', 'freeze', 'check', 'help', 'search', 'index', 'inspect', 'debug',\n"
        "             'hash', 'completion', 'cache')\n"
        "    if os.geteuid() == 0 and words and words[0] not in reads and not override:\n"
        "        sys.exit(f'pyguard: refused: the pip guard cannot run ({exc!r}), so pip may not '\n"
        "                 f'change the system as root. Repair pyguard, remove the shims, or run '\n"
        f"                 f'{name} --pyguard-override ... on purpose.')\n"
        "    for d in os.environ.get('PATH', '').split(':'):\n"
        f"        p = os.path.join(d, {name!r})\n"
        f"        if d and os.path.normpath(d) != {SHIM_DIR!r} and os.access(p, os.X_OK):\n"
        "            with open(p, 'rb') as f:\n"
        f"                if {SHIM_MARKER!r} not in f.read(512):\n"
        "                    os.execv(p, [p, *args])\n"
        f"    sys.exit('pyguard: no {name} on PATH apart from the guard: apt install python3-pip')\n"
        f"shim({name!r}, __file__)\n"
    )


def load_state(root: str) -> Dict:
    state = read_state(root, STATE)
    if state is not None and isinstance(state.get("shims"), dict):
        return state
    return {"format": FORMAT, "shims": {}, "created_dirs": []}


def _save_state(root: str, state: Dict) -> None:
    write_state(root, STATE, state)


def _makedirs(root: str, inside: str, state: Dict) -> None:
    make_dirs(root, inside, state["created_dirs"])


def install(root: str = "/", interpreter: str = "", paths: Sequence[str] = ()) -> Tuple[int, List[str]]:
    """Place the shims; returns (exit code, lines to print). Exit 1 if any shim was left out."""
    interpreter = interpreter or default_interpreter()
    paths = list(paths) or default_paths()
    state = load_state(root)
    lines: List[str] = []
    failed = False
    _makedirs(root, os.path.dirname(STATE), state)
    _makedirs(root, SHIM_DIR, state)
    for name in shim_names(root):
        inside = f"{SHIM_DIR}/{name}"
        text = shim_text(name, interpreter, paths)
        digest = hashlib.sha256(text.encode()).hexdigest()
        recorded = state["shims"].get(inside)
        if lstat(root, inside) is not None:
            current = sha256_in(root, inside)  # None for a link: never followed
            if recorded and current == recorded.get("sha256"):
                if current != digest:
                    place(root, inside, text, 0o755, replace=True)
                    lines.append(f"updated  {inside}")
                else:
                    lines.append(f"kept     {inside} (already in place)")
            elif recorded:
                lines.append(f"SKIPPED  {inside}: changed since pyguard placed it; left alone")
                failed = True
                continue
            elif current == digest:
                lines.append(f"adopted  {inside} (identical to pyguard's shim)")
            else:
                lines.append(f"SKIPPED  {inside}: not placed by pyguard; left alone "
                             "(move it away and run `pyguard guard install` again)")
                failed = True
                continue
        else:
            place(root, inside, text, 0o755, replace=False)
            lines.append(f"placed   {inside}")
        state["shims"][inside] = {"name": name, "sha256": digest}
    state.update(format=FORMAT, interpreter=interpreter, paths=paths)
    _save_state(root, state)
    lines.append(f"recorded in {STATE}")
    return (1 if failed else 0), lines


def uninstall(root: str = "/") -> Tuple[int, List[str]]:
    """Remove exactly the shims pyguard placed that are unchanged; then its record."""
    state = load_state(root)
    lines: List[str] = []
    kept: Dict[str, Dict] = {}
    for inside, info in sorted(state["shims"].items()):
        outcome = remove_placed(root, inside, info.get("sha256"))
        if outcome == "kept":
            lines.append(f"KEPT     {inside}: changed since pyguard placed it; left alone")
            kept[inside] = info
        else:
            lines.append(f"gone     {inside} (already removed)" if outcome == "gone"
                         else f"removed  {inside}")
    if not state["shims"] and lstat(root, STATE) is None:
        return 0, ["pyguard's guard is not installed; nothing to remove"]
    if kept:
        state["shims"] = kept
        _save_state(root, state)
        return 1, lines
    return 0, lines + forget(root, STATE, state.get("created_dirs", []))


def _secure_path(fs) -> str:
    """sudo's secure_path in the root's sudoers (and what it includes), or ""."""
    from ..sudoers import secure_path

    setting = secure_path(fs)
    return setting.value if setting else ""


def _real_pip(fs, name: str) -> str:
    """The first executable `name` on sudo's default PATH in the root, outside the shims'
    directory and not a shim (find_real, with links followed inside the root only); ""."""
    for directory in SECURE_PATH.split(":"):
        path = f"{directory}/{name}"
        st = fs.stat(path)
        if directory == SHIM_DIR or st is None or not stat.S_ISREG(st.st_mode) \
                or not st.st_mode & 0o111:
            continue
        if SHIM_MARKER not in (fs.read_bytes(path, limit=1 << 20) or b"")[:512]:
            return path
    return ""


def status(root: str = "/") -> Tuple[int, List[str]]:
    state = load_state(root)
    if not state["shims"]:
        return 1, ["pyguard's guard is not installed (`pyguard guard install` places it)"]
    lines = [f"pyguard's guard: {len(state['shims'])} shims, run by {state.get('interpreter', '?')}"]
    problems = 0
    from ..rootfs import RootFS

    fs = RootFS(root)
    for inside, info in sorted(state["shims"].items()):
        if lstat(root, inside) is None:
            word, problems = "MISSING", problems + 1
        elif sha256_in(root, inside) != info.get("sha256"):  # a link is never pyguard's
            word, problems = "CHANGED", problems + 1
        else:
            word = "ok"
        real = _real_pip(fs, info.get("name", os.path.basename(inside)))
        lines.append(f"  {word:<8}{inside} -> real pip: {real or 'none on PATH'}")
    secure = _secure_path(fs)
    fs.close()
    if secure:
        first = secure.split(":")[0]
        note = "ok" if first == SHIM_DIR else f"NOTE: it starts with {first}, so `sudo pip` skips the guard"
        lines.append(f"  sudo secure_path: {secure} ({note})")
    return (1 if problems else 0), lines
