"""The stable JSON envelope (schema pyguard/1) that monitoring and other tools read: the doctor's,
and the report's with what changed since the last run."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence

from .. import __version__
from ..actions.model import as_json
from ..findings import Examination, Host, Problem, Report

if TYPE_CHECKING:
    from ..report.model import ReportRun

SCHEMA = "pyguard/1"


def envelope(report: Optional[Report], host: Optional[Host], root: str,
             errors: Sequence[Problem] = ()) -> Dict[str, Any]:
    findings = report.findings if report else ()
    all_errors = list(report.errors if report else ()) + list(errors)
    # "unknown" (as a Nagios plugin says it) when pyguard could not do its job: a monitor that
    # reads only `status` must not take a failed run for a healthy system.
    status = "unknown" if all_errors else (report.status if report else "ok")
    exit_code = 3 if all_errors else (report.exit_code if report else 0)
    return {
        "schema": SCHEMA,
        "tool": {"name": "pyguard", "version": __version__},
        "root": root,
        "host": {
            "distro": host.distro if host else "",
            "version": host.version if host else "",
            "codename": host.codename if host else "",
            "default_python": f"python{host.default_python}" if host and host.default_python
            else "",
        },
        "status": status,
        "exit_code": exit_code,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "title": f.title,
                "detail": f.detail,
                "subject": f.subject,
                "paths": list(f.paths),
                "repair": [{"command": step.command, "note": step.note,
                            "risk": step.action.effects().risk, "action": as_json(step.action)}
                           for step in f.repair],
            }
            for f in findings
        ],
        "errors": [{"code": e.code, "message": e.message} for e in all_errors],
        "notes": [{"code": n.code, "path": n.path, "message": n.message}
                  for n in (report.notes if report else ())],
    }


def examination_envelope(run: Examination) -> Dict[str, Any]:
    """The doctor's envelope of one examination; a run that could not start has its problem
    among the errors."""
    return envelope(run.report, run.host, run.root, [run.problem] if run.problem else [])


def report_envelope(outcome: ReportRun) -> Dict[str, Any]:
    """pyguard report --format json: the doctor's envelope plus what changed.

    Differences from the doctor's: `status` and `exit_code` leave acknowledged findings out;
    each finding has `ack` (null, or the [ack] line naming it and whether it still holds);
    `changes` lists the identities ({rule, subject}) of new and still-open findings and the
    resolved ones with their severity and title; `run` has when it finished and how long
    examining took.
    """
    data = examination_envelope(outcome.examination)
    data["command"] = "report"
    data["status"] = outcome.status
    data["exit_code"] = outcome.exit_code
    for finding, entry in zip(data["findings"], outcome.entries):
        ack = entry.ack
        finding["ack"] = None if ack is None else {
            "reason": ack.reason,
            "until": ack.until.isoformat() if ack.until else None,
            "holds": entry.acknowledged,
            "config": ack.where,
        }
    changes = outcome.changes
    data["changes"] = None if changes is None else {
        "changed": changes.changed,
        "first_run": changes.first_run,
        "new": [_key(e) for e in changes.new],
        "still_open": [_key(e) for e in changes.still_open],
        "resolved": [{"rule": r.rule, "subject": r.subject, "severity": r.severity,
                      "title": r.title} for r in changes.resolved],
    }
    data["run"] = {"finished": round(outcome.finished, 3),
                   "duration_seconds": round(outcome.examination.duration, 6)}
    return data


def _key(entry) -> Dict[str, str]:
    return {"rule": entry.finding.rule, "subject": entry.finding.subject}


def dumps(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"
