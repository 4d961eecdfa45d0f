"""pyguard report --format json: the doctor's envelope (schema pyguard/1) plus what changed.

Differences from the doctor's: `status` and `exit_code` leave acknowledged findings out; each
finding has `ack` (null, or the [ack] line naming it and whether it still holds); `changes` lists
the identities ({rule, subject}) of new and still-open findings and the resolved ones with their
severity and title; `run` has when it finished and how long examining took.
"""

from __future__ import annotations

from typing import Any, Dict

from .model import Outcome


def report_envelope(outcome: Outcome) -> Dict[str, Any]:
    data = outcome.examination.envelope()
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
