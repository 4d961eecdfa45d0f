"""Run each rule's check over the facts and turn hits into findings."""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Callable, Iterable, List, Mapping, Optional, Sequence, Tuple

from .actions.model import MoveAside
from .actions.template import OwnerOf
from .facts import Facts
from .findings import Finding, Hit, Problem, Report, severity_rank
from .rules import Rule

Check = Callable[[Facts], Iterable[Hit]]
CHECKS_PACKAGE = "pyguard.checks"


def resolve_check(rule: Rule) -> Check:
    module_name, _, function = rule.check.rpartition(".")
    module = importlib.import_module(f"{CHECKS_PACKAGE}.{module_name}")
    return getattr(module, function)


def findings_for(rule: Rule, hits: Iterable[Hit], owner_of: OwnerOf) -> List[Finding]:
    out = []
    for hit in hits:
        undeclared = set(hit.evidence) - set(rule.evidence)
        if undeclared:
            raise ValueError(f"check {rule.check} reported undeclared evidence "
                             f"{sorted(undeclared)} for rule {rule.id}")
        out.append(Finding(
            rule=rule.id,
            severity=rule.severity,
            title=rule.fill_title(hit.evidence),
            detail=rule.fill_detail(hit.evidence),
            subject=hit.subject,
            paths=hit.paths,
            repair=rule.fill_repair(hit.evidence, owner_of),
            evidence=dict(hit.evidence),
        ))
    return out


def run(facts: Facts, rules: Mapping[str, Rule], only: Optional[Sequence[str]] = None) -> Report:
    """Every rule's findings, most severe first, then in rule order (the order repairs run)."""
    findings: List[Finding] = []
    errors: List[Problem] = []
    if facts.dpkg.unusable:
        errors.append(Problem(*facts.dpkg.unusable))
    else:
        for position, rule in enumerate(rules.values()):
            if only and rule.id not in only:
                continue
            try:
                hits = facts.hits(resolve_check(rule))
                findings += findings_for(rule, hits, facts.owners)
            except Exception as exc:  # one broken check must not hide the others' findings
                errors.append(Problem("check-failed", f"{rule.id}: {type(exc).__name__}: {exc}"))
    order = {rule_id: i for i, rule_id in enumerate(rules)}
    findings.sort(key=lambda f: (severity_rank(f.severity), order[f.rule], f.subject))
    return Report(facts.fs.root, moved_once(findings), tuple(errors), tuple(facts.fs.notes))


def moved_once(findings: Sequence[Finding]) -> Tuple[Finding, ...]:
    """The findings with each path moved aside by the first repair that moves it only.

    Two findings may name the same files (a shadowing copy whose RECORD is also suspicious):
    the repairs, run in report order as fix does or pasted as printed, must not move a path
    twice, or the second tar fails on what the first took away.
    """
    moved: List[str] = []
    out = []
    for finding in findings:
        steps = []
        for step in finding.repair:
            if isinstance(step.action, MoveAside):
                left = tuple(p for p in step.action.paths if not _below_any(p, moved))
                if not left:
                    continue
                moved += left
                if left != step.action.paths:
                    step = replace(step, action=replace(step.action, paths=left))
            steps.append(step)
        out.append(replace(finding, repair=tuple(steps)))
    return tuple(out)


def _below_any(path: str, tops: Sequence[str]) -> bool:
    return any(path == top or path.startswith(top.rstrip("/") + "/") for top in tops)
