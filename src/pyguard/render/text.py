"""Doctor's report for a person: grouped by severity, each finding with its why and repair.

Titles, details, commands, notes, paths and messages are filled from the examined system: each
is made printable (render/escape.py) where it is put in a line, before a style marks it.
"""

from __future__ import annotations

import shlex
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence

from ..actions.shell import for_person
from ..findings import Finding, Host, Report
from .escape import printable

if TYPE_CHECKING:
    from ..report.model import Entry

Style = Callable[[str, str], str]
"""style(text, name) -> text marked up for display; the plain style returns text unchanged."""

WIDTH = 96
"""Prose width when the caller knows no better; doctor passes terminal.prose_width()."""
HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Advice"}


def plain(text: str, name: str) -> str:
    return text


@dataclass(frozen=True)
class Context:
    """How the person will run the repairs: as root or with sudo, on / or inside --root DIR."""

    root: str
    as_root: bool


def repair_command(command: str, context: Context) -> str:
    """A repair as the person types it: with chroot for --root, with sudo when not root.
    Printable: control characters in a path show escaped (to read; fix runs the exact step)."""
    return printable(for_person(command, context.root, context.as_root))


def describe_host(host: Host) -> str:
    name = {"debian": "Debian", "ubuntu": "Ubuntu"}.get(host.distro, host.distro or "unknown system")
    release = " ".join(p for p in (host.version, f"({host.codename})" if host.codename else "") if p)
    python = (f"default Python {host.default_python}" if host.default_python
              else "no Debian default Python")
    return printable(f"{name} {release}".strip() + f", {python}")  # os-release is the root's


def render(report: Report, host: Host, context: Context,
           rules_checked: int, style: Style = plain, *, rules_total: int = 0,
           only: Sequence[str] = (), acks: Sequence["Entry"] = (),
           show_acknowledged: bool = False, width: int = WIDTH) -> str:
    """The doctor's text. `only`: the rules --only named (of `rules_total`); `acks`: the
    findings an [ack] line names (pyguard.report.ack), shown with `show_acknowledged` only."""
    where = f"{printable(report.root)} ({describe_host(host)})"
    named = {(e.finding.rule, e.finding.subject): e for e in acks if e.ack is not None}
    hidden = [e for e in named.values() if e.acknowledged]
    findings = [f for f in report.findings
                if not (named.get((f.rule, f.subject)) and named[(f.rule, f.subject)].acknowledged)]
    lines: List[str] = []
    counted = [f for f in findings if f.severity != "info"]
    scope = (f"{rules_checked} of {rules_total} rules checked (--only)" if only
             else f"{rules_checked} rules checked")
    if not counted and not report.errors:
        if only:
            healthy = f"pyguard: no problem found by {', '.join(only)} on {where}; {scope}."
        else:
            healthy = f"pyguard: {where} is healthy; {scope}."
        lines.append(style(healthy, "ok"))
    else:
        summary = _count(findings)
        lines.append(style(f"pyguard doctor: {summary} on {where}" + (f"; {scope}" if only else ""),
                           "heading"))
        if context.root != "/" and any(f.repair for f in counted):
            lines.append(f"Run the repairs below as root; they work inside {printable(context.root)} "
                         "with chroot.")
    for severity in ("error", "warning", "info"):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines += ["", style(HEADINGS[severity], severity)]
        for finding in group:
            entry = named.get((finding.rule, finding.subject))
            ack = _ack_line(entry) if entry else None  # named here: expired
            lines += finding_lines(finding, context, style, width, ack)
    if hidden and show_acknowledged:
        lines += ["", style("Acknowledged (not counted)", "heading")]
        for entry in hidden:
            lines += finding_lines(entry.finding, context, style, width, _ack_line(entry))
    elif hidden:
        n = len(hidden)
        option = "" if context.root == "/" else f" --root {printable(shlex.quote(context.root))}"
        lines += ["", f"{n} acknowledged finding{'s' if n != 1 else ''} not shown "
                      f"(pyguard doctor --all{option})."]
    if report.errors:
        lines += ["", style("pyguard could not finish:", "error")]
        lines += [f"  {e.code}: {printable(e.message)}" for e in report.errors]
    if report.notes:
        lines += ["", "Not checked (could not read):"]
        lines += [f"  {printable(n.path)}: {printable(n.message)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _ack_line(entry: "Entry") -> str:
    """The [ack] line naming a finding: "Acknowledged until 2027-01-31: reason (FILE line 3)"."""
    ack = entry.ack
    why = f"{printable(ack.reason)} ({printable(ack.where)})"
    if not entry.acknowledged:
        return f"  Acknowledgement expired on {ack.until.isoformat()}: {why}"
    when = f"until {ack.until.isoformat()}" if ack.until else "without end date"
    return f"  Acknowledged {when}: {why}"


def _count(findings: Sequence[Finding]) -> str:
    parts = []
    for severity, word in (("error", "error"), ("warning", "warning"), ("info", "piece of advice")):
        n = sum(1 for f in findings if f.severity == severity)
        if n:
            plural = "pieces of advice" if word == "piece of advice" else word + "s"
            parts.append(f"{n} {word if n == 1 else plural}")
    return ", ".join(parts) or "no findings"


def finding_lines(finding: Finding, context: Context, style: Style, width: int,
             ack: Optional[str] = None, repair_heading: str = "Repair:") -> List[str]:
    """One finding for a person: title, detail, numbered repairs (under `repair_heading`)."""
    label = style(finding.severity.upper(), finding.severity)
    lines = ["", f"{label} {style(printable(finding.title), 'title')}  [{finding.rule}]"]
    if ack:
        lines.append(ack)
    # A rule's paragraphs are one line each: a newline within one came from a value, escaped.
    for paragraph in finding.detail.split("\n\n"):
        lines += textwrap.wrap(printable(paragraph), width=width, initial_indent="  ",
                               subsequent_indent="  ", break_on_hyphens=False,
                               break_long_words=False)
    if finding.repair:
        lines.append(f"  {repair_heading}")
        for number, step in enumerate(finding.repair, 1):
            lines.append(f"    {number}. {style(repair_command(step.command, context), 'command')}")
            if step.note:
                lines.append(f"       {style('# ' + printable(step.note), 'note')}")
    lines.append(f"  More: pyguard explain {finding.rule}")
    return lines
