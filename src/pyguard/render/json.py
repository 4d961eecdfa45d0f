"""The stable JSON envelope (schema pyguard/1) that monitoring and other tools read."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence

from .. import __version__
from ..findings import Host, Problem, Report
from ..actions.model import as_json

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


def dumps(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"
