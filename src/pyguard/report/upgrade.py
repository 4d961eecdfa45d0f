"""One `pyguard upgrade-check` run: record what is needed to rebuild, then say what will break.

The release upgrade ahead comes from the apt lists (pyguard.facts.upgrade), or from the release
table for `--to CODENAME`. Before the rules run, every venv and every pip installation outside a
venv is recorded in the state dir (pyguard.report.snapshots, the snapshots `pyguard report`
keeps), so the findings can say where, and `pyguard fix` after the upgrade rebuilds from them.
The rules are those that speak of the upgrade, and those whose configuration defeats the next
release's guard rails; what the upgrade leaves working is listed as safe, with the reason.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ..catalogue import BREAKS_AT_UPGRADE
from ..facts import Facts
from ..findings import Examination, Host, Problem

UPGRADE_RULES = BREAKS_AT_UPGRADE + ("pip-break-system-packages", "env-guard-rails")
"""What moving to the next python3 breaks, and configuration that defeats its guard rails."""


class UpgradeFacts(Facts):
    """The facts of a root, looking ahead to the release `upgrade_to` names (pyguard.facts.
    upgrade reads it); an empty name looks only at what the apt lists describe."""

    def __init__(self, fs: Any, upgrade_to: str = "") -> None:
        super().__init__(fs)
        self.upgrade_to = upgrade_to


@dataclass(frozen=True)
class Ahead:
    """The upgrade, as the output names it."""

    current: str
    target: str
    release: str
    """"Debian 13 (trixie)", or the codename when the table does not know it."""
    codename: str
    source: str
    """"apt lists" or "release table"."""
    python3_version: str
    evidence: Tuple[str, ...]


@dataclass(frozen=True)
class Safe:
    """Something the upgrade leaves working, and why."""

    kind: str
    subject: str
    why: str
    modules: Tuple[str, ...] = ()


@dataclass(frozen=True)
class UpgradeCheck:
    examination: Examination
    ahead: Optional[Ahead]
    safe: Tuple[Safe, ...]
    snapshots: str
    """The directory the snapshots were recorded in; empty when nothing was recorded."""
    recorded: Tuple[str, ...]
    """The venvs and site directories recorded."""
    messages: Tuple[str, ...]
    """For stderr: snapshots that could not be written."""

    @property
    def exit_code(self) -> int:
        return self.examination.exit_code


def upgrade_check(root: str, to: str = "", record: bool = True, state_dir: Optional[str] = None,
                  config: Any = None) -> UpgradeCheck:
    """Never raises: what keeps the run from its job is the examination's problem (exit 3)."""
    from .. import config as config_module
    from ..options import root_problem

    started, clock = time.time(), time.monotonic()
    try:
        config = config if config is not None else config_module.load()
        config_module.activate(config)
        bad_root = root_problem(root)
        if bad_root:
            raise _Stop(Problem("bad-root", bad_root))
        return _run(root, to, record, state_dir, config, started, clock)
    except config_module.ConfigError as exc:
        problem = Problem("bad-config", str(exc))
    except _Stop as stop:
        problem = stop.problem
    except Exception as exc:  # pyguard's own failure: a clear answer and exit 3
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        problem = Problem("internal-error", f"{type(exc).__name__}: {exc}")
    failed = Examination(os.path.realpath(root), None, None, {}, problem, started,
                         time.monotonic() - clock)
    return UpgradeCheck(failed, None, (), "", (), ())


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _run(root, to, record, state_dir, config, started, clock) -> UpgradeCheck:
    from ..engine import run
    from ..facts.breakage import gather_breakage
    from ..facts.releases import ReleaseError
    from ..facts.upgrade import gather_upgrade
    from ..rootfs import RootFS
    from ..rules import load_rules
    from ..statedir import state_dir as default_state_dir

    rules = load_rules()
    config.check_rules(rules)
    facts = UpgradeFacts(RootFS(root), to)
    if facts.dpkg.unusable:
        raise _Stop(Problem(*facts.dpkg.unusable))
    info = facts.host
    host = Host(info.distro, info.version, info.codename, facts.defaults.default)
    if to:
        _check_release(to, host)
    try:
        upgrade = facts.get(gather_upgrade)
    except ReleaseError as exc:
        raise _Stop(Problem("bad-release-table", str(exc))) from None
    directory, recorded, messages = "", (), []
    breakage = facts.get(gather_breakage) if upgrade is not None else None
    if breakage is not None and record:
        from ..facts.snapshots import snapshot_dir, snapshot_name
        from .snapshots import record_root

        state = default_state_dir(state_dir)
        messages = record_root(root, config.venv_roots, state)
        directory = snapshot_dir(state, facts.fs.root)
        written = set(os.listdir(directory)) if os.path.isdir(directory) else set()
        recorded = tuple(p for p in [v.path for v, _ in breakage.venvs]
                         + [i.site.path for i, _ in breakage.sites]
                         if snapshot_name(p) in written)
    selected = {rule_id: rule for rule_id, rule in rules.items() if rule_id in UPGRADE_RULES}
    report = run(facts, selected)
    examination = Examination(os.path.realpath(root), report, host, selected, None, started,
                              time.monotonic() - clock)
    ahead = safe = None
    if upgrade is not None:
        ahead = Ahead(upgrade.current, upgrade.target, upgrade.name, upgrade.codename,
                      upgrade.source, upgrade.python3_version, upgrade.evidence)
        safe = tuple(Safe(f.kind, f.subject, f.why, f.modules) for f in breakage.safe)
    return UpgradeCheck(examination, ahead, safe or (), directory, recorded, tuple(messages))


def _check_release(to: str, host: Host) -> None:
    """--to must name a release of the table that an upgrade from this one leads to."""
    from ..facts.releases import ReleaseError, load_releases, path_between

    try:
        releases = load_releases()
    except ReleaseError as exc:
        raise _Stop(Problem("bad-release-table", str(exc))) from None
    known = ", ".join(r for r in releases)
    release = releases.get(to)
    if release is None:
        raise _Stop(Problem("usage", f"--to {to}: no such release in pyguard's release table "
                                     f"(known: {known})"))
    if host.distro and release.distribution != host.distro:
        raise _Stop(Problem("usage", f"--to {to}: {release.name} is not a release of "
                                     f"{host.distro}"))
    if host.codename and not path_between(releases, host.codename, to):
        raise _Stop(Problem("usage", f"--to {to}: {release.name} does not follow "
                                     f"{host.codename}"))

