"""The examine step doctor and report share: load the config, run every rule over a root.

Whatever goes wrong (no such root, a bad config line, a bug in pyguard) comes back as a Problem
in the Examination instead of an exception, so every command can still give a clear answer and
exit 3.
"""

from __future__ import annotations

import os
import time
from typing import Any, Mapping, Optional, Sequence, Tuple

from .findings import Examination, Host, Problem
from .options import root_problem


KEPT_COMMANDS = ("doctor", "report")
"""Whose examinations are kept between runs (pyguard.memo); fix examines afresh, always, reading
every fact anew (memo.afresh)."""
MEMO = "examine"


class Refused(Exception):
    """The run cannot start: bad usage (an unknown --only rule) or a root that is not Debian's."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def examine(root: str, only: Optional[Sequence[str]] = None, command: str = "doctor",
            config_path: Optional[str] = None, config: Any = None) -> Examination:
    """Make the config active (`config`, else the file at config_path, else the default file;
    see pyguard.config), then run the rules."""
    from . import config as config_module

    started = time.time()
    clock = time.monotonic()
    problem = None
    report = host = None
    rules: Mapping[str, Any] = {}
    try:
        config_module.activate(config if config is not None else config_module.load(config_path))
        bad_root = root_problem(root)
        if bad_root:
            problem = Problem("bad-root", bad_root)
        else:
            report, host, rules = _run(root, only, command in KEPT_COMMANDS)
    except config_module.ConfigError as exc:
        problem = Problem("bad-config", str(exc))
    except Refused as exc:
        problem = exc.problem
    except Exception as exc:  # pyguard's own failure must still give a clear answer and exit 3
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        problem = Problem("internal-error", f"{type(exc).__name__}: {exc}")
    return Examination(os.path.realpath(root), report, host, rules, problem,
                       started, time.monotonic() - clock)


def _run(root: str, only: Optional[Sequence[str]], keep: bool):
    from . import cache, memo
    from .catalogue import rules_stamp
    from .rules import load_rules

    from .config import active

    rules = load_rules()
    active().check_rules(rules)
    unknown = list(dict.fromkeys(r for r in only or () if r not in rules))
    if unknown:
        names = ", ".join(unknown)
        raise Refused(Problem("unknown-rule", f"--only {names}: no such rule"
                              f"{'s' if len(unknown) > 1 else ''}; `pyguard rules` lists them"))
    where = os.path.realpath(root)
    key = (tuple(dict.fromkeys(only or ())), active().venv_roots, rules_stamp())
    kept = memo.recall(MEMO, where, key) if keep else None
    if kept is not None:
        try:
            report, host = _report_from(kept)
            return report, host, rules
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):  # examine again
            pass
    with memo.Recording(MEMO, where, key) as recording, memo.afresh(not keep):
        report, host = _examine(root, rules, only)
    if keep and not report.errors:
        recording.keep(_report_data(report, host), report.notes)
    cache.prune_unused()  # after a run that wrote, not on the kept path
    return report, host, rules


def _examine(root: str, rules, only: Optional[Sequence[str]]):
    from .engine import run
    from .facts import Facts
    from .rootfs import RootFS

    with RootFS(root) as fs:  # its descriptors closed, even if a fact's closure outlives it
        facts = Facts(fs)
        if facts.dpkg.unusable:
            raise Refused(Problem(*facts.dpkg.unusable))
        report = run(facts, rules, only=only)
        info = facts.host
        host = Host(info.distro, info.version, info.codename, facts.defaults.default)
    return report, host


# -- the report as data -------------------------------------------------------------------------


def _report_data(report, host) -> Tuple:
    """A Report and Host as plain tuples marshal keeps (the typed actions by kind and fields)."""
    from dataclasses import astuple, fields

    findings = tuple(
        (f.rule, f.severity, f.title, f.detail, f.subject, tuple(f.paths),
         tuple((step.action.kind, tuple(getattr(step.action, x.name) for x in fields(step.action)),
                step.note) for step in f.repair),
         dict(f.evidence))
        for f in report.findings)
    return (report.root, findings, tuple((p.code, p.message) for p in report.errors),
            tuple((n.code, n.path, n.message) for n in report.notes),
            astuple(host) if host is not None else None)


def _report_from(data: Tuple):
    """(Report, Host) from _report_data's tuples."""
    from .actions.model import KINDS
    from .findings import Finding, Host, Problem, RepairStep, Report
    from .rootfs import Note

    root, findings, errors, notes, host = data
    report = Report(
        root,
        tuple(Finding(rule, severity, title, detail, subject, paths,
                      tuple(RepairStep(KINDS[kind](*values), note)
                            for kind, values, note in repair),
                      evidence)
              for rule, severity, title, detail, subject, paths, repair, evidence in findings),
        tuple(Problem(*p) for p in errors),
        tuple(Note(*n) for n in notes))
    return report, (Host(*host) if host is not None else None)
