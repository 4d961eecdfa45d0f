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
TREE_DIRECTORIES = 50000
"""Directories of one tree tree_owner() looks at at most; past them nobody is held to it."""


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
    return _named(fs.control(path), accounts)


def _named(control: Control, accounts: Dict[int, str]) -> Optional[str]:
    if control.root_only:
        return ROOT
    uid = control.user
    return None if uid is None else accounts.get(uid)


def tree_owner(fs: RootFS, accounts: Dict[int, str], path: str) -> Optional[str]:
    """owner_of for a tree a repair takes away whole: every directory below must be its too.

    tar --remove-files removes what it archived by path from its -C directory: were a directory
    somewhere below root's tree hers, she could swap it for a link to /etc between the archive
    and the unlink, and root's tar would delete root's files there; a directory of someone else
    inside hers, her own tar could not empty. Such a tree is nobody's alone to act on. Files
    count by their directories (hers in root's directory she cannot rename); links are not
    followed, as tar does not follow them.
    """
    top = fs.control(path)
    owner = _named(top, accounts)
    st = fs.lstat(path)
    resolved = fs.resolve(path, follow_last=False)
    if owner is None or st is None or not stat.S_ISDIR(st.st_mode) or resolved is None:
        return owner
    allowed = top.uids | {0}
    pending, looked = [resolved], 0
    while pending:
        directory = pending.pop()
        looked += 1
        here = fs.lstat(directory)
        if looked > TREE_DIRECTORIES:
            return None
        if here is None:
            continue
        if here.st_uid not in allowed or here.st_mode & WRITABLE:
            return None
        pending += [f"{directory.rstrip('/')}/{name}"
                    for name, kind in fs.entries(directory, resolved=True) if kind == "dir"]
    return owner


class Owners:
    """Who a repair may act on a path as (owner_of), and on a tree it takes away whole (tree):
    what the engine hands the rules' repair templates. /etc/passwd is read once, when asked."""

    def __init__(self, fs: RootFS) -> None:
        self.fs = fs
        self._accounts: Optional[Dict[int, str]] = None

    @property
    def accounts(self) -> Dict[int, str]:
        if self._accounts is None:
            self._accounts = read_accounts(self.fs)
        return self._accounts

    def __call__(self, path: str) -> Optional[str]:
        return owner_of(self.fs, self.accounts, path)

    def tree(self, path: str) -> Optional[str]:
        return tree_owner(self.fs, self.accounts, path)


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
        resolved = fs.resolve(current)
        for way in dict.fromkeys((current, resolved or current)):
            control = fs.control(way)
            uids |= control.uids
            anyone = anyone or control.anyone
        st = fs.stat(current)
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

