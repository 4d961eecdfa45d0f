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
    parser.add_argument("--all", action="store_true",
                        help="also show the findings acknowledged in /etc/pyguard/pyguard.conf")
    parser.set_defaults(run=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from ..examine import examine
    from ..render.json import dumps, examination_envelope

    from ..render.progress import slow_work

    with slow_work("pyguard: examining the system (a first full check reads every file of "
                   "Debian's Python packages)"):
        run = examine(args.root, args.only)
    if args.format == "json":
        data = examination_envelope(run)
        if run.problem is None:
            data = _acknowledged_json(data, run)
        sys.stdout.write(dumps(data))
        return data["exit_code"]
    if run.problem is not None:
        from ..render.escape import printable
        sys.stderr.write(f"pyguard: {printable(run.problem.message)}\n")
        return 3
    print_report(run, args.only or (), args.all)
    return counted_report(run).exit_code


def acknowledged(run):
    """The findings of this run that an [ack] line of the active config names (pyguard.report.ack)."""
    from ..config import active

    config = active()
    if not config.acks:  # the usual case: no report model to import
        return ()
    import datetime

    from ..report.ack import acknowledge

    return tuple(e for e in acknowledge(run.report.findings, config, datetime.date.today())
                 if e.ack is not None)


def counted_report(run):
    """The run's report without the findings an acknowledgement holds for: they do not count."""
    import dataclasses

    held = {(e.finding.rule, e.finding.subject) for e in acknowledged(run) if e.acknowledged}
    return dataclasses.replace(run.report, findings=tuple(
        f for f in run.report.findings if (f.rule, f.subject) not in held))


def _acknowledged_json(data, run):
    """As report's JSON does: a finding an [ack] line names has `ack`; status and exit code
    leave the acknowledged ones out."""
    entries = {(e.finding.rule, e.finding.subject): e for e in acknowledged(run)}
    if not entries:
        return data
    for finding in data["findings"]:
        entry = entries.get((finding["rule"], finding["subject"]))
        if entry is not None:
            ack = entry.ack
            finding["ack"] = {"reason": ack.reason,
                              "until": ack.until.isoformat() if ack.until else None,
                              "holds": entry.acknowledged, "config": ack.where}
    counted = counted_report(run)
    if not data["errors"]:
        data["status"], data["exit_code"] = counted.status, counted.exit_code
    return data


def print_report(run, only=(), show_acknowledged: bool = False) -> None:
    """Doctor's text of an examination (fix prints it again for the state it leaves)."""
    from ..render.terminal import marked, prose_width, use_color, write
    from ..render.text import Context, plain, render

    color = use_color(sys.stdout)
    context = Context(root=run.report.root, as_root=os.geteuid() == 0)
    checked = len([r for r in run.rules if r in only]) if only else len(run.rules)
    text = render(run.report, run.host, context, checked,
                  marked if color else plain, rules_total=len(run.rules),
                  only=tuple(dict.fromkeys(only)), acks=acknowledged(run),
                  show_acknowledged=show_acknowledged, width=prose_width(sys.stdout))
    if hasattr(sys.stdout, "reconfigure"):
        # Odd bytes are escaped already; a character the locale cannot encode shows as \uXXXX.
        sys.stdout.reconfigure(errors="backslashreplace")
    write(text, sys.stdout, color)
