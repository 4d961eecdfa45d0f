"""Test-suite-wide policy: on CI, a skipped test is a failed test.

A suite that skips its system tests because CI lacks root or the mirror would pass while testing
nothing; with CI=true every skip is reported as a failure, with the skip's reason.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """Turn skips (not xfails) into failures when the environment says CI=true."""
    report = yield
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which must never pass by skipping: {reason}"
    return report
