"""pyguard guard install|uninstall|status: the pip shims in /usr/local/sbin."""

from __future__ import annotations

import argparse


def add_guard(commands) -> None:
    from ..options import path_value

    parser = commands.add_parser(
        "guard", help="place, remove or check the pip shims in /usr/local/sbin",
        description="Place pip, pip3 and pip3.X shims in /usr/local/sbin (first on root's PATH "
                    "and on sudo's secure_path) so that `sudo pip` runs through pyguard's guard.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    for action, text in (("install", "place the shims (never over a file pyguard did not place)"),
                         ("uninstall", "remove exactly the shims pyguard placed, if unchanged"),
                         ("status", "report the shims and the real pip each one runs")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("--root", type=path_value, default="/", metavar="DIR",
                         help="the system to act on, mounted at DIR (default: /)")
        if action == "install":
            sub.add_argument("--interpreter", default="", metavar="PYTHON",
                             help="the Python that runs the shims (default: this one)")
            sub.add_argument("--pythonpath", type=path_value, action="append", default=[],
                             metavar="DIR",
                             help="where the shims find pyguard and python-debian "
                                  "(default: where this Python finds them)")
        sub.set_defaults(run=run_guard)


def run_guard(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..guard import shims

    from ..options import root_problem
    from ..render.escape import printable  # paths and file contents of the examined root

    bad_root = root_problem(args.root)
    if bad_root:
        sys.stderr.write(f"pyguard guard: {printable(bad_root)}\n")
        return 3
    try:
        if args.action == "install":
            code, lines = shims.install(args.root, args.interpreter, args.pythonpath)
            if code == 0 and os.path.realpath(args.root) == "/":
                lines.append(_warm_index())
        elif args.action == "uninstall":
            code, lines = shims.uninstall(args.root)
        else:
            code, lines = shims.status(args.root)
    except PermissionError as exc:
        sys.stderr.write(f"pyguard guard {args.action}: {printable(str(exc))} (run it as root)\n")
        return 3
    sys.stdout.write("".join(printable(line) + "\n" for line in lines))
    return code


def _warm_index() -> str:
    """Build the apt index now, so the first refusal answers at once."""
    try:
        from ..guard import aptindex
        index = aptindex.load("/")
        return (f"apt index: {len(index['names'])} project names from "
                f"{len(index['lists'])} package lists")
    except Exception as exc:  # the guard works without it; refusals then say so
        return f"apt index not built: {type(exc).__name__}: {exc}"
