"""Options several commands share."""

from __future__ import annotations

import argparse


def root_option(parser: argparse.ArgumentParser) -> None:
    """--root DIR, like dpkg --root: the rescue case and how tests point at fake and real roots."""
    parser.add_argument("--root", default="/", metavar="DIR",
                        help="examine the system mounted at DIR, like dpkg --root (default: /)")
