"""The pre-invoke hook's word on a release upgrade ahead: a few lines before dpkg starts.

When the apt lists describe the next release and python3 still runs the default of today, the
apt run at hand may be the `apt full-upgrade` that moves it (a Pre-Invoke hook is not told what
apt will do). The hook then says in one line each what the move breaks (the upgrade rules'
titles), records what every venv and pip installation holds (the last moment it can: the
caller hands in the recorder, pyguard.commands.upgrade_check.record_for_hook), and names the
command that says more. It never blocks: apt goes on whatever this says.
"""

from __future__ import annotations

import datetime
from typing import Callable, List, Optional

from ..render.escape import printable

CONFIG_HINT = "[hooks] apt = no in /etc/pyguard/pyguard.conf"

Recorder = Callable[[str], str]
"""root -> the directory the snapshots went to ("" when they could not be kept)."""


def warning(root: str, acks=None, record: Optional[Recorder] = None,
            today: Optional[datetime.date] = None) -> str:
    """The lines for apt's terminal, or "" when no upgrade is ahead or it breaks nothing."""
    from ..catalogue import BREAKS_AT_UPGRADE
    from ..engine import run
    from ..facts import Facts
    from ..facts.upgrade import gather_upgrade
    from ..rootfs import RootFS
    from ..rules import load_rules

    facts = Facts(RootFS(root))
    if not facts.dpkg.present:
        return ""
    upgrade = facts.get(gather_upgrade)
    if upgrade is None or facts.python3.version == upgrade.target:
        return ""  # nothing ahead, or python3 moved already (a later dpkg run of the upgrade)
    rules = load_rules()
    report = run(facts, {rule_id: rule for rule_id, rule in rules.items()
                         if rule_id in BREAKS_AT_UPGRADE})
    today = today or datetime.date.today()
    findings = [f for f in report.findings if not _acknowledged(acks, f, today)]
    if not findings:
        return ""
    where = record(root) if record is not None else ""
    lines: List[str] = [
        f"pyguard: the apt lists describe {printable(upgrade.name)}: when this run upgrades "
        f"python3, Python {upgrade.current} gives way to {upgrade.target}, and this breaks:"]
    lines += [f"  {printable(f.title)}  [{f.rule}]" for f in findings]
    if where:
        lines.append(f"  What they hold is recorded in {printable(where)}; after the upgrade, "
                     "`pyguard fix` rebuilds them from there.")
    option = "" if root == "/" else f" --root {printable(root)}"
    lines.append(f"  More: pyguard upgrade-check{option}. To silence this check: {CONFIG_HINT}.")
    return "".join(line + "\n" for line in lines)


def _acknowledged(acks, finding, today: datetime.date) -> bool:
    """An [ack] line of pyguard.conf holds for the finding today: the hook leaves it out."""
    ack = acks.ack_for(finding.rule, finding.subject) if acks is not None else None
    return ack is not None and ack.holds(today)
