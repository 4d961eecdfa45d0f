"""pyguard rules: the rule catalogue as a table, read from rules/."""

from __future__ import annotations

import argparse
import sys

from ..options import root_option, root_problem


def add_rules(commands) -> None:
    parser = commands.add_parser("rules", help="list the rules doctor checks")
    root_option(parser, reads=False)
    parser.set_defaults(run=run_rules)


def run_rules(args: argparse.Namespace) -> int:
    bad_root = root_problem(args.root)
    if bad_root:
        from ..render.escape import printable
        sys.stderr.write(f"pyguard rules: {printable(bad_root)}\n")
        return 3
    from ..catalogue import by_id, entries
    from ..render.rules import rules_table
    from ..render.terminal import prose_width

    sys.stdout.write(rules_table(by_id(entries()), prose_width(sys.stdout)))
    return 0
