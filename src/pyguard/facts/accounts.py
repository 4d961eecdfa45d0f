"""Who may act on a path: root, or the one user who controls it, by her name in /etc/passwd."""

from __future__ import annotations

import stat
from typing import Dict, FrozenSet, Optional

from ..rootfs import Control, RootFS

ROOT = "root"
WRITABLE = stat.S_IWGRP | stat.S_IWOTH
TREE_LIMIT = 20000
"""Entries of a tree writers() looks at at most: a checkout or a metadata directory is far
smaller; past it, the tree counts as anyone's."""


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


def writers(fs: RootFS, path: str, limit: int = TREE_LIMIT, below: bool = True) -> Control:
    """Who besides root can change `path` or anything it holds: what RootFS.control says of
    each entry (the way to it, its owner), links followed inside the root, and anyone a group
    or other write bit lets in (a POSIX ACL shows as the group bits). Data read from the tree,
    or code built from it, is theirs as much as its owner's.

    Past `limit` entries nobody can be held to it: anyone. `below=False`: the directory
    itself only (who can add or replace what it holds)."""
    uids: set = set()
    anyone = False
    pending = [path]
    looked: set = set()
    while pending:
        current = pending.pop()
        if len(looked) >= limit:
            return Control(frozenset(uids), True)
        for way in dict.fromkeys((current, fs.resolve(current) or current)):
            control = fs.control(way)
            uids |= control.uids
            anyone = anyone or control.anyone
        st = fs.stat(current)
        resolved = fs.resolve(current)
        if st is None or resolved is None or resolved in looked:
            continue
        looked.add(resolved)
        if st.st_uid:
            uids.add(st.st_uid)
        if st.st_mode & WRITABLE:
            anyone = True
        if below and stat.S_ISDIR(st.st_mode):
            pending.extend(f"{resolved.rstrip('/')}/{name}" for name in fs.listdir(resolved))
    return Control(frozenset(uids), anyone)


def outsiders(control: Control, owner: Control) -> FrozenSet[int]:
    """The uids of `control` that `owner` does not hold; {-1} when anyone can."""
    if control.anyone and not owner.anyone:
        return frozenset({-1})
    return frozenset(control.uids - owner.uids)
