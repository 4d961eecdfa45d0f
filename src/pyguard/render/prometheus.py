"""Prometheus text exposition (format 0.0.4) of a report run, for node_exporter's textfile collector.

Metrics (every sample is a gauge; one series per rule so that alerts see zeros, not absence):

- pyguard_findings{rule,severity}: findings that count (not acknowledged)
- pyguard_findings_acknowledged{rule,severity}: findings an admin acknowledged
- pyguard_status: 0 ok, 1 warning, 2 error, 3 unknown (pyguard could not do its job)
- pyguard_last_run_timestamp_seconds: when the run finished (Unix time)
- pyguard_run_duration_seconds: how long examining the root took
- pyguard_info{version,root,default_python}: always 1
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

from .. import __version__
from ..report.model import ReportRun
from .escape import printable


def render(outcome: ReportRun) -> str:
    run = outcome.examination
    counted: Dict[Tuple[str, str], int] = {}
    acknowledged: Dict[Tuple[str, str], int] = {}
    for rule_id, rule in run.rules.items():
        counted[(rule_id, rule.severity)] = 0
        acknowledged[(rule_id, rule.severity)] = 0
    for entry in outcome.entries:
        key = (entry.finding.rule, entry.finding.severity)
        table = acknowledged if entry.acknowledged else counted
        table[key] = table.get(key, 0) + 1
        (counted if entry.acknowledged else acknowledged).setdefault(key, 0)
    out: List[str] = []
    _family(out, "pyguard_findings", "Findings pyguard reports that count (not acknowledged).",
            [({"rule": r, "severity": s}, n) for (r, s), n in sorted(counted.items())])
    _family(out, "pyguard_findings_acknowledged",
            "Findings an admin acknowledged in pyguard.conf; they do not count.",
            [({"rule": r, "severity": s}, n) for (r, s), n in sorted(acknowledged.items())])
    _family(out, "pyguard_status",
            "Status of the system Python: 0 ok, 1 warning, 2 error, 3 unknown (pyguard failed).",
            [({}, outcome.exit_code)])
    _family(out, "pyguard_last_run_timestamp_seconds", "When the last pyguard report run finished.",
            [({}, round(outcome.finished, 3))])
    _family(out, "pyguard_run_duration_seconds", "How long the last pyguard report run examined.",
            [({}, round(run.duration, 6))])
    python = f"python{run.default_python}" if run.default_python else ""
    _family(out, "pyguard_info", "pyguard's version and what it examined.",
            [({"version": __version__, "root": run.root, "default_python": python}, 1)])
    return "".join(out)


def _family(out: List[str], name: str, help_text: str,
            samples: List[Tuple[Mapping[str, str], float]]) -> None:
    out.append(f"# HELP {name} {_escape_help(help_text)}\n")
    out.append(f"# TYPE {name} gauge\n")
    for labels, value in samples:
        text = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
        out.append(f"{name}{{{text}}} {_number(value)}\n" if text else f"{name} {_number(value)}\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    # A root or a rule may hold control characters or bytes that are not UTF-8: shown escaped
    # (\x1b, \xff), then the exposition format's own escaping of \\, " and newline.
    text = printable(text)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
