"""Actions fix carries out itself, through descriptors, rather than with a tool of the root.

Relinking /usr/bin/python3 is the first repair of a broken interpreter: done natively it needs
nothing of the examined system (its ln may be what is broken), and the new link replaces the
old one atomically, in the directory pyguard holds open, never through a link on the way.
"""

from __future__ import annotations

import os
import time
from typing import Optional

from ..actions.model import Action, Relink
from ..placing import parent
from .chroot import Ran


def run_natively(root: str, action: Action) -> Optional[Ran]:
    """The outcome of carrying out `action` here; None when it is not one fix does itself."""
    if not isinstance(action, Relink):
        return None
    started = time.monotonic()
    try:
        relink(root, action.link, action.target)
    except OSError as exc:
        return Ran(action.command(), 1, time.monotonic() - started,
                   f"pyguard: cannot point {action.link} at {action.target}: {exc.strerror}\n")
    return Ran(action.command(), 0, time.monotonic() - started, "")


def relink(root: str, link: str, target: str) -> None:
    """`ln -sfn target link`, atomically: a new link beside the old one, renamed over it (a
    directory at `link` makes rename fail, where ln -n would have put the link inside it)."""
    with parent(root, link) as (dir_fd, name):
        temp = f".{name}.pyguard-{os.getpid()}"
        os.symlink(target, temp, dir_fd=dir_fd)
        try:
            os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            os.unlink(temp, dir_fd=dir_fd)
            raise
