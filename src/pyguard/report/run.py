"""One report run: examine the root under the state lock, apply acknowledgements, compare, save."""

from __future__ import annotations

import datetime
import os
import time
from typing import Callable, List, Optional, Tuple

from .. import config as config_module
from ..statedir import state_dir as state_dir_of
from ..findings import Examination, Problem
from ..examine import examine
from . import state as state_module
from .ack import acknowledge
from .diff import compare
from .model import ReportRun

STATEFUL = ("text", "json")
"""Formats that say what changed keep state, each its own; metrics and plugin output need none."""


def report(root: str, config: config_module.Config, state_dir: Optional[str] = None,
           fmt: str = "text", today: Optional[datetime.date] = None,
           lock_timeout: float = state_module.LOCK_TIMEOUT,
           deliver: Optional[Callable[[ReportRun, List[str]], object]] = None
           ) -> Tuple[ReportRun, List[str]]:
    """(outcome, messages): messages are for stderr (a state file set aside, a state problem).

    When the examination fails, nothing is compared and the previous state is kept: a run that
    could not look must not report every finding as resolved. `deliver(outcome, messages)`
    writes what a run that compared found before its state is saved: should it raise (stdout
    full or closed, the output file unwritable), the state stays as it was, and the next run
    says the same changes again instead of never.
    """
    messages: List[str] = []
    today = today or datetime.date.today()
    if fmt not in STATEFUL:
        run = examine(root, command="report", config=config)
        if run.problem is None and run.report is not None:
            messages.extend(record_snapshots(root, config, state_dir_of(state_dir)))
        entries = acknowledge(run.report.findings if run.report else (), config, today)
        return ReportRun(run, entries, None, time.time()), messages
    directory = state_dir_of(state_dir)
    path = state_module.state_file(directory, os.path.realpath(root), fmt)
    try:
        with state_module.locked(path, lock_timeout):
            run = examine(root, command="report", config=config)
            if run.problem is not None or run.report is None or run.report.errors:
                entries = acknowledge(run.report.findings if run.report else (), config, today)
                return ReportRun(run, entries, None, time.time()), messages
            messages.extend(record_snapshots(root, config, directory))
            entries = acknowledge(run.report.findings, config, today)
            previous, message = state_module.load(path, run.root)
            if message:
                messages.append(message)
            changes = compare(previous, entries)
            finished = time.time()
            outcome = ReportRun(run, entries, changes, finished)
            if deliver is not None:
                deliver(outcome, messages)
            state_module.save(path, state_module.State(run.root, finished,
                                                       state_module.recorded(list(entries))))
            return outcome, messages
    except state_module.StateError as exc:
        failed = examine_failed(root, Problem("state", str(exc)))
        return ReportRun(failed, (), None, time.time()), messages


def record_snapshots(root: str, config: config_module.Config, directory: str) -> List[str]:
    """Record the healthy venvs of `root` (pyguard.report.snapshots); messages for stderr. Not
    being able to keep snapshots is said, but neither fails the run nor changes its exit code."""
    from .snapshots import record_root

    try:
        return record_root(root, config.venv_roots, directory)
    except Exception as exc:  # a snapshot must never cost the report itself
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        return [f"pyguard: venv snapshots not recorded: {type(exc).__name__}: {exc}"]


def examine_failed(root: str, problem: Problem) -> Examination:
    """An Examination that did not happen: the config or the state could not be used."""
    now = time.time()
    return Examination(os.path.realpath(root), None, None, {}, problem, now, 0.0)
