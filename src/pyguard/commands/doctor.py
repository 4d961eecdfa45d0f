"""pyguard doctor: inspect a root and print each problem, why it matters and how to repair it."""

from __future__ import annotations

import argparse
import os
import sys

from ..options import root_option


def add_doctor(commands) -> None:
    parser = commands.add_parser("doctor", help="find what breaks the system Python and how to repair it",
                                 description="Inspect the system Python and print each problem, "
                                             "why it matters and the exact repair commands.")
    root_option(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--only", action="append", metavar="RULE",
                        help="run only this rule (may be repeated)")
    parser.set_defaults(run=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from ..examine import examine
    from ..render.json import dumps

    from ..render.progress import slow_work

    with slow_work("pyguard: examining the system (a first full check reads every file of "
                   "Debian's Python packages)"):
        run = examine(args.root, args.only)
    if args.format == "json":
        data = run.envelope()
        sys.stdout.write(dumps(data))
        return data["exit_code"]
    if run.problem is not None:
        sys.stderr.write(f"pyguard: {run.problem.message}\n")
        return 3
    print_report(run)
    return run.report.exit_code


def print_report(run) -> None:
    """Doctor's text of an examination (fix prints it again for the state it leaves)."""
    _print_text(run.report, run.host, run.default_python, len(run.rules))


def _print_text(report, host, default: str, rules_checked: int) -> None:
    from ..render.terminal import marked, use_color, write
    from ..render.text import Context, plain, render

    color = use_color(sys.stdout)
    context = Context(root=report.root, as_root=os.geteuid() == 0)
    text = render(report, host, default, context, rules_checked, marked if color else plain)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")  # odd file names print as their bytes
    write(text, sys.stdout, color)
