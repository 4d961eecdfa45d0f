"""The plan of a fix: the findings worth fixing, and each repair step with what it does."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from ..actions.effects import CHANGES_PACKAGES, Effects
from ..actions.model import APT_ACTIONS, Action, Reinstall, UnpackAlone
from ..apt_cache import deb_path
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
        return as_run(self.action, self.forecast)

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
        return self.action.packages if isinstance(self.action, APT_ACTIONS) else ()


def apt_question(action: Action) -> Tuple[str, ...]:
    """The apt-get command apt's forecast is asked about: an unpack as the reinstall it stands
    for, unpinned, so that the forecast pins what a source still has (or takes apt's choice)."""
    if isinstance(action, UnpackAlone):
        return Reinstall(action.packages).words()
    return action.words()


def as_run(action: Action, forecast: Optional["Forecast"]) -> Action:
    """The action as fix runs it, once apt has said what it will do: a reinstall pinned to
    the installed versions where apt would otherwise upgrade them; an unpack of every .deb apt
    would unpack (a version gone from the archive brings its newer lockstep siblings)."""
    if forecast is None:
        return action
    if isinstance(action, Reinstall) and any(forecast.versions):
        return replace(action, versions=forecast.versions)
    if isinstance(action, UnpackAlone):  # dpkg unpacks in this order: the named ones first
        unpacked = sorted((c for c in forecast.changes if c.version), key=lambda c: not c.named)
        return replace(action, debs=tuple(deb_path(c.name, c.version, c.arch) for c in unpacked))
    return action


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

