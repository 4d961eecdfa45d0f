"""Nagios/Icinga plugin output of a report run, as the Monitoring Plugins guidelines ask.

One status line `PYGUARD STATE - text | perfdata`, then one line per finding (long output);
exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Perfdata: 'label'=value[UOM];warn;crit;min;max.
'|' never appears in the text: it separates perfdata. Values from the examined system are shown
with control characters escaped (render/escape.py): a title cannot add a line or a terminal
sequence to the plugin's output.
"""

from __future__ import annotations

from typing import List

from ..report.model import ReportRun
from .escape import printable

STATES = {"ok": "OK", "warning": "WARNING", "error": "CRITICAL", "unknown": "UNKNOWN"}


def render(outcome: ReportRun) -> str:
    run = outcome.examination
    state = STATES[outcome.status]
    errors, warnings = outcome.count("error"), outcome.count("warning")
    if outcome.status == "unknown":
        text = "; ".join(e.message for e in outcome.errors) or "pyguard could not examine the root"
    else:
        parts = [f"{n} {word}{'' if n == 1 else 's'}"
                 for n, word in ((errors, "error"), (warnings, "warning")) if n]
        text = (", ".join(parts) + " on " + run.root) if parts else f"{run.root} is healthy"
        worst = [e for e in outcome.counted if e.finding.severity == outcome.status]
        if worst:
            text += f": {worst[0].finding.title}"
            if len(worst) > 1:
                text += f" (and {len(worst) - 1} more)"
        acked = sum(1 for e in outcome.entries if e.acknowledged)
        if acked:
            text += f"; {acked} acknowledged"
    perf = [
        f"errors={errors};;;0",
        f"warnings={warnings};;;0",
        f"info={outcome.count('info')};;;0",
        f"acknowledged={sum(1 for e in outcome.entries if e.acknowledged)};;;0",
        f"time={run.duration:.3f}s;;;0",
    ]
    lines: List[str] = [f"PYGUARD {state} - {_clean(text)} | {' '.join(perf)}"]
    for entry in outcome.entries:
        f = entry.finding
        mark = " (acknowledged)" if entry.acknowledged else ""
        lines.append(_clean(f"{f.severity.upper()}{mark}: {f.title} [{f.rule}]"))
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    text = printable(text)
    return " ".join(text.replace("|", "/").split())
