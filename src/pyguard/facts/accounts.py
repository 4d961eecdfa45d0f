"""Who may act on a path: root, or the one user who controls it, by her name in /etc/passwd."""

from __future__ import annotations

from typing import Dict, Optional

from ..rootfs import RootFS

ROOT = "root"


def read_accounts(fs: RootFS) -> Dict[int, str]:
    """uid -> the first login name /etc/passwd gives it (runuser -u wants a name)."""
    names: Dict[int, str] = {}
    for line in (fs.read_text("/etc/passwd") or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].isdigit() and fields[0]:
            names.setdefault(int(fields[2]), fields[0])
    return names


def owner_of(fs: RootFS, accounts: Dict[int, str], path: str) -> Optional[str]:
    """root when only root can change what `path` names; the user's name when exactly one user
    can; None when several can, anyone can, or the one user has no name to run as."""
    control = fs.control(path)
    if control.root_only:
        return ROOT
    uid = control.user
    return None if uid is None else accounts.get(uid)
