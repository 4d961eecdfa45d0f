"""pyguard report's plain-text summary: new, still-open and resolved findings with their repairs.

Made for cron mail: plain text, short, only written when something changed (the command
decides that; this renders whatever ReportRun it is given). Every value from the examined
system, the state file or the config is made printable (render/escape.py) where it is put in a
line.
"""

from __future__ import annotations

from typing import List

from ..report.model import Entry, ReportRun
from .escape import printable
from .text import Context, describe_host, repair_command


def render(outcome: ReportRun, context: Context) -> str:
    run = outcome.examination
    changes = outcome.changes
    lines: List[str] = []
    if outcome.errors or run.report is None or changes is None:
        return "".join(f"pyguard: {printable(e.message)}\n" for e in outcome.errors)
    where = f"{printable(run.root)} ({describe_host(run.host)})"
    counts = _counts(outcome)
    since = "first run" if changes.first_run else "since the last run"
    moves = ", ".join(p for p in (
        f"{_n(changes.new, True)} new" if _n(changes.new, True) else "",
        f"{_n(changes.still_open, True)} still open" if _n(changes.still_open, True) else "",
        f"{sum(1 for r in changes.resolved if not r.acknowledged)} resolved"
        if any(not r.acknowledged for r in changes.resolved) else "",
        f"{len(changes.flipped)} acknowledged or expired" if changes.flipped else "",
    ) if p)
    if counts:
        lines.append(f"pyguard report: {counts} on {where}; {since}: {moves or 'no change'}")
    else:
        lines.append(f"pyguard report: {where} is healthy now; {since}: {moves or 'no change'}")
    if run.root != "/" and outcome.counted:
        lines.append(f"Run the repairs below as root; they work inside {printable(run.root)} "
                     "with chroot.")
    for heading, group in (("New", changes.new), ("Still open", changes.still_open)):
        shown = [e for e in group if not e.acknowledged]
        if shown:
            lines += ["", heading]
            for entry in shown:
                lines += _entry(entry, context)
    counted_resolved = [r for r in changes.resolved if not r.acknowledged]
    if counted_resolved:
        lines += ["", "Resolved"]
        lines += [_heading(r.severity, r.title, r.rule) for r in counted_resolved]
    acknowledged = [e for e in outcome.entries if e.acknowledged]
    if acknowledged:
        lines += ["", "Acknowledged (not counted)"]
        for entry in acknowledged:
            ack = entry.ack
            until = f"until {ack.until.isoformat()}" if ack.until else "without end date"
            lines.append(_heading(entry.finding.severity, entry.finding.title, entry.finding.rule))
            lines.append(f"    {until}: {printable(ack.reason)} ({printable(ack.where)})")
    if outcome.counted:
        lines += ["", f"Why and how: pyguard doctor{_root_option(run.root)}; "
                      "pyguard explain RULE"]
    return "\n".join(lines) + "\n"


def _n(entries, counted_only: bool) -> int:
    return sum(1 for e in entries if not (counted_only and e.acknowledged))


def _counts(outcome: ReportRun) -> str:
    parts = []
    for severity, one, many in (("error", "error", "errors"), ("warning", "warning", "warnings"),
                                ("info", "piece of advice", "pieces of advice")):
        n = outcome.count(severity)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def _root_option(root: str) -> str:
    import shlex

    return "" if root == "/" else f" --root {printable(shlex.quote(root))}"


def _entry(entry: Entry, context: Context) -> List[str]:
    finding = entry.finding
    lines = [_heading(finding.severity, finding.title, finding.rule)]
    for number, step in enumerate(finding.repair, 1):
        lines.append(f"    {number}. {repair_command(step.command, context)}")
        if step.note:
            lines.append(f"       # {printable(step.note)}")
    if entry.expired:
        ack = entry.ack
        lines.append(f"    acknowledgement expired on {ack.until.isoformat()}: "
                     f"{printable(ack.reason)} ({printable(ack.where)})")
    return lines


def _heading(severity: str, title: str, rule: str) -> str:
    """A finding's line; a resolved one comes from the state file, so all three are escaped."""
    return f"  {printable(severity.upper())} {printable(title)}  [{printable(rule)}]"
