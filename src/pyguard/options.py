"""Options several commands share."""

from __future__ import annotations

import argparse
import os
from typing import Optional


def path_value(text: str) -> str:
    """An option's path: never empty (--state-dir "" once meant this host's /var/lib/pyguard)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names nothing")
    return text


def inside_path(text: str) -> str:
    """A path inside the examined root: absolute, as dpkg names its files (and as [venvs] roots
    in pyguard.conf must be); a relative one would name nothing there."""
    path_value(text)
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"{text!r} is relative: a path inside the examined root "
                                         "starts with /")
    return text


def root_option(parser: argparse.ArgumentParser, reads: bool = True) -> None:
    """--root DIR, like dpkg --root: the rescue case and how tests point at fake and real roots.
    `reads=False`: a command that reads nothing of the system takes it all the same, as every
    dpkg action does, so that one --root serves a whole script."""
    parser.add_argument("--root", default="/", metavar="DIR", type=path_value,
                        help="examine the system mounted at DIR, like dpkg --root (default: /)"
                        if reads else "accepted as by every command (default: /); the rules are "
                                      "pyguard's own, nothing of DIR is read")


def root_problem(root: str) -> Optional[str]:
    """Why --root cannot be used ("--root X: not a directory"), or None when it is a directory."""
    if os.path.isdir(root):
        return None
    what = "not a directory" if os.path.exists(root) else "no such directory"
    return f"--root {root}: {what}"
