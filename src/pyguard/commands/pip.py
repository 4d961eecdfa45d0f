"""pyguard pip ARGS: pip through the guard. `pyguard pip ...` itself never gets here: cli.main
hands it to pyguard.guard.main before building any parser (speed); this entry only makes the
command show in `pyguard --help`."""

from __future__ import annotations

import argparse


def add_pip(commands) -> None:
    parser = commands.add_parser(
        "pip", help="run pip, refusing to change Debian's system Python as root",
        description="Run pip with the same arguments; as root, calls that would change the "
                    "packages of Debian's system Python are refused with what to do instead. "
                    "--pyguard-override (or PYGUARD_OVERRIDE=1) proceeds on purpose, logged.")
    parser.add_argument("pip_args", nargs=argparse.REMAINDER, metavar="PIP-ARGS")
    parser.set_defaults(run=run_pip)


def run_pip(args: argparse.Namespace) -> int:
    from ..guard.main import run
    return run(list(args.pip_args))
