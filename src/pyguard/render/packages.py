"""What an apt step does to packages, and what undo leaves of it, in words for the admin.

The plan says what apt will really do, as its simulation showed it (fix.apt.Forecast): a
reinstall of the installed version, or an upgrade and what comes with it. Undo says which
packages stay at the version the fix left, since it puts back files and never downgrades.
Package names and versions come from the examined system's apt and dpkg: the caller makes
each line printable.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from ..fix.apt import (DOWNGRADE, INSTALL, REINSTALL, REMOVE, UPGRADE, Forecast,
                       PackageChange)

ARROW = "->"


def forecast_lines(forecast: Forecast) -> List[str]:
    """What apt will do, named packages first: 'reinstalls X 1.2', 'upgrades X 1.2 -> 1.3
    from bookworm-security (...)', 'also upgrades Y, Z (...)', 'removes W 1.0'."""
    lines: List[str] = []
    for named in (True, False):
        also = "" if named else "also "
        for kind, verb in ((REINSTALL, "reinstalls"), (UPGRADE, "upgrades"),
                           (DOWNGRADE, "downgrades"), (INSTALL, "installs")):
            changes = forecast.of(kind, named=named)
            if changes:
                why = _gone(changes) if named else ""  # the others follow the named ones
                lines.append(f"{also}{verb} {_versions(changes)}{why}{_pinned(changes)}")
        removed = forecast.of(REMOVE, named=named)
        if removed:
            lines.append(f"{also}removes " + ", ".join(f"{c.name} {c.installed}".rstrip()
                                                      for c in removed))
    return lines


def permission_line(forecast: Forecast, allow_upgrade: Optional[bool] = None) -> str:
    """Why a step that changes packages waits for --allow-upgrade (empty when it need not)."""
    return forecast.why_not(allow_upgrade)


def _versions(changes: Sequence[PackageChange]) -> str:
    """'X 1.2' or 'X 1.2 -> 1.3 from S'; packages that all make the same move are named
    together: 'Y, Z 1.2 -> 1.3 from S'; else each on its own: 'X 1.2, Y 2.0'."""
    moves = [(c.name, c.version if c.change in (REINSTALL, INSTALL) else
              f"{c.installed} {ARROW} {c.version}",
              "" if c.change == REINSTALL else _from(c)) for c in changes]
    if len({(move, source) for _, move, source in moves}) == 1:
        return f"{', '.join(name for name, _, _ in moves)} {moves[0][1]}{moves[0][2]}"
    return ", ".join(f"{name} {move}{source}" for name, move, source in moves)


def _from(change: PackageChange) -> str:
    names = [r.name for r in change.releases]
    return f" from {', '.join(names)}" if names else ""


def _pinned(changes: Sequence[PackageChange]) -> str:
    avoided = [c for c in changes if c.instead_of and c.instead_of != c.version]
    if not avoided:
        return ""
    if len(avoided) == len(changes) == 1:
        return f" (pinned: apt alone would upgrade it to {avoided[0].instead_of})"
    return " (pinned: apt alone would upgrade " + ", ".join(
        f"{c.name} to {c.instead_of}" for c in avoided) + ")"


def _gone(changes: Sequence[PackageChange]) -> str:
    gone = [c for c in changes if c.gone and c.change in (UPGRADE, DOWNGRADE)]
    if not gone:
        return ""
    if len(gone) == len(changes) == 1:
        return " (the installed version is no longer in the archive)"
    names = ", ".join(c.name for c in gone)
    return f" (the installed version of {names} is no longer in the archive)"


def undo_lines(changes: Sequence[Tuple[str, str, str]], packages: Sequence[str],
               stay: int) -> List[str]:
    """What undo leaves as the fix made it: packages at their new version, removed packages,
    and the old version's files that are not put back over the new one.

    `changes`: (name, version before, version after; '' removed), from the undo record;
    `packages`: its older "name version" list, for records without them."""
    if not changes:
        return ["Packages the fix unpacked stay as they are (not downgraded): "
                + ", ".join(packages)] if packages else []
    lines = []
    moved: Dict[Tuple[str, str], List[str]] = {}
    for name, before, after in changes:
        if after and after != before:
            moved.setdefault((before, after), []).append(name)
    for (before, after), names in moved.items():
        lines.append(f"{', '.join(names)} {'stays' if len(names) == 1 else 'stay'} at {after} "
                     f"(was {before}); undo does not downgrade packages.")
    for name, before, after in changes:
        if not after:
            lines.append(f"{name} stays removed (was {before}); its files are put back, "
                         f"`apt-get install {name}` installs it again.")
    same = [f"{name} {before}" for name, before, after in changes if after == before]
    if same:
        lines.append(f"Reinstalled at the version installed before: {', '.join(same)}.")
    if stay:
        files = "1 file" if stay == 1 else f"{stay} files"
        lines.append(f"{files} of the versions before the fix {'stays' if stay == 1 else 'stay'}"
                     " as the new ones have them: they were as dpkg had recorded, not local "
                     "edits.")
    return lines
