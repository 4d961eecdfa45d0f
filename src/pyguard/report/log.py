"""One summary line per run to syslog (the journal on systemd), skipped when there is no /dev/log."""

from __future__ import annotations

import os

from ..render.escape import printable
from .model import ReportRun

DEV_LOG = "/dev/log"


def summary_line(outcome: ReportRun) -> str:
    run = outcome.examination
    parts = [f"root={run.root}", f"status={outcome.status}",
             f"errors={outcome.count('error')}", f"warnings={outcome.count('warning')}",
             f"info={outcome.count('info')}",
             f"acknowledged={sum(1 for e in outcome.entries if e.acknowledged)}"]
    changes = outcome.changes
    if changes is not None:
        parts += [f"new={len(changes.new)}", f"resolved={len(changes.resolved)}",
                  f"changed={'yes' if changes.changed else 'no'}"]
    for problem in outcome.errors:
        parts.append(f"problem={problem.code}")
    return "pyguard report: " + " ".join(parts)


def log_summary(outcome: ReportRun, dev_log: str = DEV_LOG) -> bool:
    """Log the run's summary line; returns whether it was logged."""
    if not os.path.exists(dev_log):
        return False
    import syslog

    priority = {"ok": syslog.LOG_INFO, "warning": syslog.LOG_WARNING,
                "error": syslog.LOG_ERR, "unknown": syslog.LOG_ERR}[outcome.status]
    line = printable(summary_line(outcome))
    syslog.openlog("pyguard", syslog.LOG_PID, syslog.LOG_DAEMON)
    try:
        syslog.syslog(priority, line)
    finally:
        syslog.closelog()
    return True
