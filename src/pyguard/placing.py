"""Files pyguard places in a system (pip shims, apt hooks) and the state that says they are its.

What pyguard places it records with a sha256, so that removing takes away only an unchanged
file of its own, and the directories it had to create, so that those go too. Every path is
resolved inside the root: a symlink in the examined system (/etc -> /host/etc) can never make
pyguard write outside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Dict, List, Optional

from .rootfs import RootFS


def host_path(root: str, inside: str, follow_last: bool = False) -> str:
    """Host path of `inside`, its parents (and with follow_last the path itself) resolved
    inside the root."""
    fs = RootFS(root)
    resolved = fs.resolve(inside, follow_last=follow_last)
    if resolved is None:
        raise OSError(f"{inside}: too many levels of symbolic links")
    return fs.host_path(resolved)


def sha256_of(path: str) -> Optional[str]:
    """sha256 of a host file, streamed (undo keeps large files too); None if unreadable."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def read_state(root: str, inside: str) -> Optional[Dict]:
    """The JSON object at `inside`, or None when it is missing or not one."""
    try:
        with open(host_path(root, inside), encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def write_state(root: str, inside: str, state: Dict) -> None:
    """Replace the JSON at `inside` atomically."""
    write_file(host_path(root, inside), json.dumps(state, indent=2, sort_keys=True) + "\n",
               0o644, replace=True)


def write_file(path: str, text: str, mode: int, replace: bool) -> None:
    """Write a host file pyguard places: a new one never over anything that is there (not even
    a dangling link), a replacement atomically (temp file and rename)."""
    if replace:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".pyguard-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)  # O_CREAT's mode is masked by the umask


def make_dirs(root: str, inside: str, created: List[str], mode: int = 0o755) -> None:
    """Create `inside` and its missing parents, adding each one pyguard made to `created`."""
    missing = []
    current = inside
    while current not in ("/", "") and not os.path.isdir(host_path(root, current, True)):
        missing.append(current)
        current = os.path.dirname(current)
    for directory in reversed(missing):
        os.mkdir(host_path(root, directory, True), mode)
        if directory not in created:
            created.append(directory)


def remove_placed(root: str, inside: str, sha256: Optional[str]) -> str:
    """Remove a file pyguard placed if it is still as placed: "removed", "gone" (not there),
    or "kept" (changed since, or replaced by a link: somebody else's now)."""
    path = host_path(root, inside)
    if not os.path.lexists(path):
        return "gone"
    if not os.path.islink(path) and sha256_of(path) == sha256:
        os.unlink(path)
        return "removed"
    return "kept"


def forget(root: str, state_inside: str, created: List[str]) -> List[str]:
    """Remove the state file and, deepest first, the directories pyguard created if empty."""
    os.unlink(host_path(root, state_inside))
    lines = []
    for directory in sorted(created, key=len, reverse=True):
        try:
            os.rmdir(host_path(root, directory))  # only if empty
            lines.append(f"removed  {directory}/ (pyguard had created it)")
        except OSError:
            pass
    return lines
