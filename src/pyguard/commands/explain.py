"""pyguard explain RULE and pyguard rules: the rule catalogue, read from rules/."""

from __future__ import annotations

import argparse
import sys


def add_explain(commands) -> None:
    parser = commands.add_parser("explain", help="print a rule's full explanation")
    parser.add_argument("rule", metavar="RULE")
    parser.set_defaults(run=run_explain)


def add_rules(commands) -> None:
    parser = commands.add_parser("rules", help="list the rules doctor checks")
    parser.set_defaults(run=run_rules)


def run_explain(args: argparse.Namespace) -> int:
    from ..rules import SECTIONS, load_rules

    rules = load_rules()
    rule = rules.get(args.rule)
    if rule is None:
        sys.stderr.write(f"pyguard explain: no rule {args.rule!r}; `pyguard rules` lists them\n")
        return 3
    out = [f"{rule.id} ({rule.severity})", ""]
    examples = iter(rule.repair)
    for field, heading in SECTIONS:
        text = rule.sections[field]
        if field == "Repair":  # the actions as the shell commands doctor prints for them
            text = "\n".join(_example(next(examples)) if line.startswith("$ ") else line
                             for line in text.split("\n"))
        out += [heading, *("  " + line if line else "" for line in text.split("\n")), ""]
    sys.stdout.write("\n".join(out))
    return 0


def _example(template) -> str:
    note = template.note
    for key in template.keys():
        note = note.replace("{" + key + "}", f"<{key}>")
    return f"$ {template.example()}" + (f"  # {note}" if note else "")


def run_rules(args: argparse.Namespace) -> int:
    from ..render.rules import rules_table
    from ..render.terminal import prose_width
    from ..rules import load_rules

    sys.stdout.write(rules_table(load_rules(), prose_width(sys.stdout)))
    return 0
