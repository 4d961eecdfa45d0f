"""pyguard explain RULE: one rule of the catalogue in full, read from rules/."""

from __future__ import annotations

import argparse
import sys

from ..options import root_option, root_problem


def add_explain(commands) -> None:
    parser = commands.add_parser("explain", help="print a rule's full explanation")
    parser.add_argument("rule", metavar="RULE")
    root_option(parser, reads=False)
    parser.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    bad_root = root_problem(args.root)
    if bad_root:
        from ..render.escape import printable
        sys.stderr.write(f"pyguard explain: {printable(bad_root)}\n")
        return 3
    from ..catalogue import SECTIONS, by_id, entries

    rule = by_id(entries()).get(args.rule)
    if rule is None:
        sys.stderr.write(f"pyguard explain: no rule {args.rule!r}; `pyguard rules` lists them\n")
        return 3
    out = [f"{rule.id} ({rule.severity})", ""]
    examples = iter(rule.examples)
    for field, heading in SECTIONS:
        text = rule.sections[field]
        if field == "Repair":  # the actions as the shell commands doctor prints for them
            text = "\n".join(next(examples) if line.startswith("$ ") else line
                             for line in text.split("\n"))
        out += [heading, *("  " + line if line else "" for line in text.split("\n")), ""]
    sys.stdout.write("\n".join(out))
    return 0
