"""The plan of a fix: the findings worth fixing, and each repair step with what it does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from ..findings import Finding
from ..risk import MOVES_FILES, Action, UnknownCommand, actions_of, risk_of_actions

FIXED_SEVERITIES = ("error", "warning")
VERB_WORDS = {"move-aside": "moves aside", "edit": "edits", "append": "appends to",
              "link": "replaces", "alternatives-remove": "removes the alternatives group",
              "divert-remove": "removes the diversion of"}


@dataclass(frozen=True)
class Step:
    number: int
    """1-based, across the whole plan: the numbering the output and the undo record use."""
    finding: Finding
    command: str
    note: str
    actions: Tuple[Action, ...]

    @property
    def risk(self) -> str:
        return risk_of_actions(self.actions)

    @property
    def moves(self) -> Tuple[str, ...]:
        """The local paths this step moves, edits or replaces (kept in the undo store)."""
        return tuple(p for _, paths in self.what_changes for p in paths)

    @property
    def what_changes(self) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """(what is done, to which paths) of each action that changes local files, for people."""
        return tuple((VERB_WORDS.get(a.verb, "changes"), a.paths) for a in self.actions
                     if a.risk == MOVES_FILES and a.paths)

    @property
    def packages(self) -> Tuple[str, ...]:
        return tuple(p for a in self.actions if a.verb == "apt-install" for p in a.packages)


@dataclass(frozen=True)
class Plan:
    findings: Tuple[Finding, ...]
    steps: Tuple[Step, ...]
    refused: Optional[str] = None
    """Why pyguard will not run this plan (a repair it cannot account for); None if it will."""

    def steps_of(self, finding: Finding) -> Tuple[Step, ...]:
        return tuple(s for s in self.steps if s.finding is finding)


def make_plan(findings: Sequence[Finding], advice_too: bool = False) -> Plan:
    """Steps of the warning and error findings, in the order doctor prints them; with
    `advice_too` (the rules were named with --only) of the pieces of advice too.

    A repair command that two findings share (two shadowed projects needing the same reinstall)
    runs once, at its first place.
    """
    chosen = tuple(f for f in findings if advice_too or f.severity in FIXED_SEVERITIES)
    steps = []
    seen = set()
    refused = None
    for finding in chosen:
        for repair in finding.repair:
            if repair.command in seen:
                continue
            seen.add(repair.command)
            try:
                actions = actions_of(repair.command)
            except UnknownCommand as exc:
                refused = refused or f"{finding.rule}: {exc}"
                actions = ()
            steps.append(Step(len(steps) + 1, finding, repair.command, repair.note, actions))
    return Plan(chosen, tuple(steps), refused)
