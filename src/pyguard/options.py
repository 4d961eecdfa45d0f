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


def root_option(parser: argparse.ArgumentParser) -> None:
    """--root DIR, like dpkg --root: the rescue case and how tests point at fake and real roots."""
    parser.add_argument("--root", default="/", metavar="DIR", type=path_value,
                        help="examine the system mounted at DIR, like dpkg --root (default: /)")


def root_problem(root: str) -> Optional[str]:
    """Why --root cannot be used ("--root X: not a directory"), or None when it is a directory."""
    if os.path.isdir(root):
        return None
    what = "not a directory" if os.path.exists(root) else "no such directory"
    return f"--root {root}: {what}"
