"""Which paths a repair action will remove or overwrite (apt's steps: see fix.apt)."""

from __future__ import annotations

from typing import List

from ..actions.model import Action, RemoveAlternative, RemoveDiversion
from ..rootfs import RootFS

DIVERSIONS = "/var/lib/dpkg/diversions"
ALTERNATIVES = "/var/lib/dpkg/alternatives"


def touched_paths(root: str, action: Action) -> List[str]:
    """Paths inside the root the action changes; a directory stands for all below it."""
    if isinstance(action, RemoveAlternative):
        return _alternative(RootFS(root), action.name)
    if isinstance(action, RemoveDiversion):
        return _diversion(RootFS(root), action.path)
    effects = action.effects()
    return list(effects.moves + effects.edits + effects.replaces + effects.creates)


def _alternative(fs: RootFS, name: str) -> List[str]:
    """update-alternatives --remove-all NAME: its admin file, and every link of the group."""
    admin = f"{ALTERNATIVES}/{name}"
    lines = (fs.read_text(admin) or "").splitlines()
    paths = [admin, f"/etc/alternatives/{name}"]
    if len(lines) > 1:
        paths.append(lines[1])  # the master link, /usr/bin/python3 say
        slaves = lines[2:lines.index("")] if "" in lines else lines[2:]
        for slave_name, slave_link in zip(slaves[::2], slaves[1::2]):
            paths += [slave_link, f"/etc/alternatives/{slave_name}"]
    return paths


def _diversion(fs: RootFS, path: str) -> List[str]:
    """dpkg-divert --rename --remove PATH: the file, where it was diverted to, and dpkg's list."""
    lines = (fs.read_text(DIVERSIONS) or "").splitlines()
    paths = [path, DIVERSIONS]
    for i in range(0, len(lines) - 2, 3):
        if lines[i] == path:
            paths.append(lines[i + 1])
    return paths
