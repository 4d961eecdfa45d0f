"""Test-suite-wide policy: on CI, a skipped test is a failed test.

A suite that skips its system tests because CI lacks root or the mirror would pass while testing
nothing; with CI=true every skip is reported as a failure, with the skip's reason.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)  # the old-style wrapper: bookworm's pytest 7 builds the .deb
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """Turn skips (not xfails) into failures when the environment says CI=true."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which must never pass by skipping: {reason}"


# -- fake Debian roots and running doctor in-process (tests/unit) ----------------------------

import sys as _sys
from pathlib import Path as _Path
from typing import Any, Dict, Iterator, List, Set

_TESTS = _Path(__file__).resolve().parent
if str(_TESTS) not in _sys.path:
    _sys.path.insert(0, str(_TESTS))  # `from fakeroot import FakeRoot`, whatever the import mode

from fakeroot import FakeRoot  # noqa: E402

FIRED_RULES: Set[str] = set()
"""Every rule id some test's doctor run reported; test_rules_meta's coverage test reads it."""

COVERAGE_TEST = "test_every_rule_is_made_to_fire_by_some_test"


def finding_dict(finding: Any) -> Dict[str, Any]:
    """A finding as tests compare it: everything a person reads, without the raw evidence."""
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "title": finding.title,
        "detail": finding.detail,
        "subject": finding.subject,
        "paths": list(finding.paths),
        "repair": [(step.command, step.note) for step in finding.repair],
    }


@pytest.fixture
def fake_root(tmp_path: _Path) -> FakeRoot:
    """A healthy Debian 12 (bookworm) root with Python 3.11."""
    return FakeRoot.bookworm(tmp_path / "root")


@pytest.fixture
def default_venv_roots(tmp_path: _Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The venv search's own scan roots, and a state dir of the test's own (no snapshots)."""
    monkeypatch.delenv("PYGUARD_VENV_ROOTS", raising=False)
    monkeypatch.setenv("PYGUARD_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def keep(tmp_path: _Path, monkeypatch: pytest.MonkeyPatch) -> _Path:
    """Fake roots kept as if they were the running system (pyguard.memo), in a fresh cache
    directory; the racy-timestamp margin off (the fake root's files are seconds old)."""
    from pyguard import journal, memo

    path = tmp_path / "cache"
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(path))
    monkeypatch.setattr(memo, "kept_for", lambda root: True)
    monkeypatch.setattr(journal, "RACY_NS", 0)
    return path


@pytest.fixture(scope="session")
def fired_rules() -> Set[str]:
    return FIRED_RULES


class Doctor:
    """Runs pyguard's engine in-process over a root, the way `pyguard doctor --root` does."""

    def report(self, root: Any, only: Any = None):
        from pyguard.engine import run
        from pyguard.facts import Facts
        from pyguard.rootfs import RootFS
        from pyguard.rules import load_rules

        report = run(Facts(RootFS(str(root))), load_rules(), only=only)
        FIRED_RULES.update(f.rule for f in report.findings)
        return report

    def __call__(self, root: Any, only: Any = None) -> List[Dict[str, Any]]:
        """The findings as dicts (see finding_dict); a check that crashed fails the test."""
        report = self.report(root, only)
        assert list(report.errors) == []
        return [finding_dict(f) for f in report.findings]


@pytest.fixture
def doctor() -> Doctor:
    return Doctor()


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Run the rule-coverage meta-test last, after every test that can make a rule fire.

    When no rule test was collected at all (a run of one file), the coverage test has nothing to
    judge and is deselected rather than failed or skipped.
    """
    last = [item for item in items if item.name == COVERAGE_TEST]
    if not last:
        return
    rule_tests = [item for item in items
                  if (_TESTS / "unit" / "rules") in _Path(str(item.path)).resolve().parents]
    rest = [item for item in items if item.name != COVERAGE_TEST]
    if not rule_tests:
        config.hook.pytest_deselected(items=last)
        items[:] = rest
        return
    items[:] = rest + last


@pytest.fixture(autouse=True)
def _pyguard_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pyguard caches the dpkg ownership index on disk; tests keep it out of /var/cache and ~.
    A test's `monkeypatch.undo()` would undo this too, and what it ran next wrote this
    machine's /var/cache/pyguard: the test fails instead (undo one patch by its context)."""
    cache_dir = str(tmp_path_factory.getbasetemp() / "pyguard-cache")
    monkeypatch.setenv("PYGUARD_CACHE_DIR", cache_dir)
    yield
    assert os.environ.get("PYGUARD_CACHE_DIR"), \
        "the test dropped PYGUARD_CACHE_DIR (monkeypatch.undo()?): its runs wrote the host's cache"


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    """pyguard's main turns the cycle collector off for its short run; a test that calls it in
    this process would leave it off for every later test, whose RootFS descriptors then pile up
    (past 1,024 a pty test's select() fails). It is turned back on after each test."""
    import gc

    yield
    if not gc.isenabled():
        gc.enable()
