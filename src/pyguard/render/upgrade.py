"""`pyguard upgrade-check` for a person and as JSON: the upgrade ahead, what it breaks (the
findings, with repairs as doctor prints them), what it leaves working, and where the snapshots
that rebuild the rest were recorded."""

from __future__ import annotations

import textwrap
from typing import Any, Dict, List

from ..report.upgrade import UpgradeCheck
from .escape import printable
from .text import Context, describe_host, finding_lines, plain

KINDS = (("venv", "Virtual environments"), ("site", "pip installations outside venvs"),
         ("package", "Debian packages with Python modules"))


def text(outcome: UpgradeCheck, context: Context, style=plain, width: int = 96) -> str:
    run = outcome.examination
    where = f"{printable(run.root)} ({describe_host(run.host)})"
    ahead = outcome.ahead
    if ahead is None:
        return (style(f"pyguard upgrade-check: {where}: no release upgrade ahead", "ok")
                + ". The apt lists describe this release's own python3; after pointing the "
                "sources at the next release and `apt update` (or with --to CODENAME), this "
                "says what moving to its Python breaks.\n")
    how = (f"as its apt lists say (python3 {printable(ahead.python3_version)})"
           if ahead.source == "apt lists" else "per pyguard's release table")
    lines = [style(f"pyguard upgrade-check: {where} -> {printable(ahead.release)}, default "
                   f"Python {ahead.target}, {how}", "heading")]
    findings = run.report.findings
    breaking = [f for f in findings if f.severity != "info"]
    lines.append(f"What will break: {len(breaking)} finding{'s' if len(breaking) != 1 else ''}."
                 if breaking else "Nothing pyguard checks will break.")
    for finding in findings:
        lines += _finding(finding, context, style, width)
    if outcome.safe:
        lines += ["", style("Safe", "heading")]
        for kind, heading in KINDS:
            group = [s for s in outcome.safe if s.kind == kind]
            if not group:
                continue
            lines.append(f"  {heading}:")
            reasons: Dict[str, List[str]] = {}
            for safe in group:  # packages share reasons: one line names all that share one
                reasons.setdefault(safe.why, []).append(safe.subject)
            for why, subjects in reasons.items():
                lines += _wrap(f"{', '.join(subjects)}: {why}", "    ", "      ", width)
    if outcome.snapshots:
        lines += [""] + _wrap(
            f"Snapshots: what {_count(outcome.recorded)} hold is recorded in "
            f"{outcome.snapshots}; after the upgrade, `pyguard fix` rebuilds from it.", "", "  ",
            width)
    if run.report.notes:
        lines += ["", "Not checked (could not read):"]
        lines += [f"  {printable(n.path)}: {printable(n.message)}" for n in run.report.notes]
    if run.report.errors:
        lines += ["", style("pyguard could not finish:", "error")]
        lines += [f"  {e.code}: {printable(e.message)}" for e in run.report.errors]
    return "\n".join(lines) + "\n"


def _count(recorded) -> str:
    """"2 venvs and 1 pip installation" of what was recorded (a venv has a pyvenv.cfg's
    directory; an installation is a site-packages or dist-packages directory)."""
    sites = sum(1 for path in recorded if path.endswith(("/site-packages", "/dist-packages")))
    venvs = len(recorded) - sites
    parts = [f"{venvs} venv{'s' if venvs != 1 else ''}"] if venvs else []
    parts += [f"{sites} pip installation{'s' if sites != 1 else ''}"] if sites else []
    return " and ".join(parts) or "nothing"


def _finding(finding, context: Context, style, width: int) -> List[str]:
    return finding_lines(finding, context, style, width, repair_heading="Before the upgrade:")


def _wrap(text_: str, first: str, rest: str, width: int) -> List[str]:
    return textwrap.wrap(printable(text_), width=width, initial_indent=first,
                         subsequent_indent=rest, break_on_hyphens=False, break_long_words=False)


def envelope(outcome: UpgradeCheck) -> Dict[str, Any]:
    """The doctor's envelope (schema pyguard/1) with `command`, `upgrade` (null when none is
    ahead), `safe` and `snapshots`."""
    from .json import examination_envelope

    data = examination_envelope(outcome.examination)
    data["command"] = "upgrade-check"
    ahead = outcome.ahead
    data["upgrade"] = None if ahead is None else {
        "from": f"python{ahead.current}", "to": f"python{ahead.target}",
        "release": ahead.release, "codename": ahead.codename, "source": ahead.source,
        "python3": ahead.python3_version, "evidence": list(ahead.evidence)}
    data["safe"] = [{"kind": s.kind, "subject": s.subject, "why": s.why,
                     **({"modules": list(s.modules)} if s.modules else {})}
                    for s in outcome.safe]
    data["snapshots"] = None if not outcome.snapshots else {
        "directory": outcome.snapshots, "recorded": list(outcome.recorded)}
    return data
