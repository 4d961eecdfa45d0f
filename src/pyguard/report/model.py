"""What one report run found and what changed since the last one; renderers read only this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from ..config import Ack
from ..findings import Examination, Finding, status_of
from .state import Recorded

STATUS_CODES = {"ok": 0, "warning": 1, "error": 2, "unknown": 3}


@dataclass(frozen=True)
class Entry:
    """A finding of this run and the acknowledgement that names it, if any."""

    finding: Finding
    ack: Optional[Ack] = None
    """The first [ack] line naming this finding, holding or expired."""
    acknowledged: bool = False
    """The acknowledgement holds today: the finding does not count."""

    @property
    def key(self) -> Tuple[str, str]:
        """A finding's identity across runs."""
        return (self.finding.rule, self.finding.subject)

    @property
    def expired(self) -> bool:
        return self.ack is not None and not self.acknowledged


@dataclass(frozen=True)
class Changes:
    first_run: bool
    new: Tuple[Entry, ...]
    still_open: Tuple[Entry, ...]
    resolved: Tuple[Recorded, ...]
    flipped: Tuple[Entry, ...]
    """Still open, but acknowledged now and not last time, or the other way round."""

    @property
    def changed(self) -> bool:
        """Whether anything that counts changed: a report is quiet otherwise."""
        return (any(not e.acknowledged for e in self.new)
                or any(not r.acknowledged for r in self.resolved)
                or bool(self.flipped))


@dataclass(frozen=True)
class ReportRun:
    """One `pyguard report` run: the examination, its findings with the [ack] lines naming them,
    and what changed since the previous run."""

    examination: Examination
    entries: Tuple[Entry, ...]
    changes: Optional[Changes]
    """None when the examination failed: nothing is compared and the state is kept."""
    finished: float
    """time.time() at the end of the run."""

    @property
    def errors(self):
        """Why pyguard could not do its whole job (empty when it could)."""
        run = self.examination
        return ((run.problem,) if run.problem else ()) + (run.report.errors if run.report else ())

    @property
    def counted(self) -> Tuple[Entry, ...]:
        return tuple(e for e in self.entries if not e.acknowledged)

    @property
    def status(self) -> str:
        if self.errors or self.examination.report is None:
            return "unknown"
        return status_of(e.finding.severity for e in self.counted)

    @property
    def exit_code(self) -> int:
        return STATUS_CODES[self.status]

    def count(self, severity: str, acknowledged: bool = False) -> int:
        return sum(1 for e in self.entries
                   if e.finding.severity == severity and e.acknowledged == acknowledged)
