"""New, still-open and resolved findings: this run against the previous run's state.

A finding's identity across runs is (rule, subject): its title may change with a version
number, its subject (a path, a package, a project) does not.
"""

from __future__ import annotations

from typing import Optional, Sequence

from .model import Changes, Entry
from .state import State


def compare(previous: Optional[State], entries: Sequence[Entry]) -> Changes:
    before = {(r.rule, r.subject): r for r in (previous.findings if previous else ())}
    now = {e.key for e in entries}
    new = tuple(e for e in entries if e.key not in before)
    still_open = tuple(e for e in entries if e.key in before)
    flipped = tuple(e for e in still_open if before[e.key].acknowledged != e.acknowledged)
    resolved = tuple(r for key, r in before.items() if key not in now)
    return Changes(previous is None, new, still_open, resolved, flipped)
