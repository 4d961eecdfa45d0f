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
    from ..engine import Problem
    from ..render.json import dumps, envelope

    problem = None
    report = host = None
    default = ""
    rules = {}
    try:
        if not os.path.isdir(args.root):
            problem = Problem("bad-root", f"--root {args.root}: no such directory")
        else:
            report, host, default, rules = _examine(args)
    except Exception as exc:  # pyguard's own failure must still give a clear answer and exit 3
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        problem = Problem("internal-error", f"{type(exc).__name__}: {exc}")
    root = os.path.realpath(args.root)
    if args.format == "json":
        data = envelope(report, host, default, root, [problem] if problem else [])
        sys.stdout.write(dumps(data))
        return data["exit_code"]
    if problem is not None:
        sys.stderr.write(f"pyguard: {problem.message}\n")
        return 3
    _print_text(report, host, default, len(rules))
    return report.exit_code


def _examine(args: argparse.Namespace):
    from ..engine import run
    from ..facts import Facts
    from ..rootfs import RootFS
    from ..rules import load_rules

    rules = load_rules()
    unknown = sorted(set(args.only or ()) - set(rules))
    if unknown:
        from ..cli import UsageError
        raise UsageError(f"pyguard doctor: unknown rule(s): {', '.join(unknown)} (see pyguard rules)")
    facts = Facts(RootFS(args.root))
    report = run(facts, rules, only=args.only)
    return report, facts.host, facts.defaults.default, rules


def _print_text(report, host, default: str, rules_checked: int) -> None:
    from ..render.terminal import marked, use_color, write
    from ..render.text import Context, plain, render

    color = use_color(sys.stdout)
    context = Context(root=report.root, as_root=os.geteuid() == 0)
    text = render(report, host, default, context, rules_checked, marked if color else plain)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")  # odd file names print as their bytes
    write(text, sys.stdout, color)
