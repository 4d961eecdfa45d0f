"""The plan of a fix: the findings worth fixing, and each repair step with what it does."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from ..actions.effects import CHANGES_PACKAGES, Effects
from ..actions.model import Action, Install, Reinstall
from ..findings import Finding

if TYPE_CHECKING:
    from .apt import Forecast

FIXED_SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Step:
    number: int
    """1-based, across the whole plan: the numbering the output and the undo record use."""
    finding: Finding
    action: Action
    note: str
    forecast: Optional["Forecast"] = None
    """What apt will do, for an apt step (fix.foresee): versions, upgrades, removals."""
    unforeseen: str = ""
    """Why apt could not say so at plan time (an apt step without a forecast)."""

    @property
    def runs(self) -> Action:
        """The action as fix runs it: a reinstall pinned to the installed versions where apt
        would otherwise upgrade them."""
        if isinstance(self.action, Reinstall) and self.forecast is not None and \
                any(self.forecast.versions):
            return replace(self.action, versions=self.forecast.versions)
        return self.action

    @property
    def command(self) -> str:
        return self.runs.command()

    @property
    def effects(self) -> Effects:
        return self.action.effects()

    @property
    def risk(self) -> str:
        if self.forecast is not None and self.forecast.changes_packages:
            return CHANGES_PACKAGES
        return self.effects.risk

    @property
    def user(self) -> str:
        return self.effects.user

    @property
    def moves(self) -> Tuple[str, ...]:
        """The local paths this step moves, edits or replaces (kept in the undo store)."""
        return tuple(p for _, paths in self.what_changes for p in paths)

    @property
    def what_changes(self) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """(what is done, to which paths) for people."""
        return self.effects.local_paths

    @property
    def packages(self) -> Tuple[str, ...]:
        return self.action.packages if isinstance(self.action, (Reinstall, Install)) else ()


@dataclass(frozen=True)
class Plan:
    findings: Tuple[Finding, ...]
    steps: Tuple[Step, ...]

    def steps_of(self, finding: Finding) -> Tuple[Step, ...]:
        return tuple(s for s in self.steps if s.finding is finding)


def make_plan(findings: Sequence[Finding], advice_too: bool = False) -> Plan:
    """Steps of the warning and error findings, in the order doctor prints them; with
    `advice_too` (the rules were named with --only) of the pieces of advice too.

    An action that two findings share (two shadowed projects needing the same reinstall) runs
    once, at its first place.
    """
    chosen = tuple(f for f in findings if advice_too or f.severity in FIXED_SEVERITIES)
    steps = []
    seen = set()
    for finding in chosen:
        for repair in finding.repair:
            action = repair.action
            if action in seen:
                continue
            seen.add(action)
            steps.append(Step(len(steps) + 1, finding, action, repair.note))
    return Plan(chosen, tuple(steps))

