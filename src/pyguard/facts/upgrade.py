"""The release upgrade ahead, if any: the Python the system has now and the one it will have.

Now is debian_defaults' default-version (never the newest /usr/bin/python3.X: a deadsnakes
python3.12 beside Ubuntu 22.04's python3.10 is not the default). Next is the python3.X the
candidate python3 of the apt lists depends on (pyguard.facts.aptlists), once `apt update` has
read the next release; `pyguard upgrade-check --to CODENAME` looks ahead with the release table
(pyguard.facts.releases) before that. No upgrade is ahead when the candidate depends on the
default of today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, Optional, Tuple

from .releases import Release

FROM_LISTS = "apt lists"
FROM_TABLE = "release table"


@dataclass(frozen=True)
class Upgrade:
    """Moving the default interpreter from `current` to `target`."""

    current: str
    """The default python3.X of today, "3.11"."""
    target: str
    """The python3.X the next release's python3 depends on, "3.13"."""
    codename: str
    """The next release's codename; empty when the lists do not say."""
    release: Optional[Release]
    """The release table's entry for `codename`, when it has one."""
    source: str
    """FROM_LISTS or FROM_TABLE."""
    python3_version: str
    """The version of python3 apt will install; empty when told by the table."""
    evidence: Tuple[str, ...]
    """The lists the candidate was read from, or the table file."""
    dropped: FrozenSet[str] = frozenset()
    """From the table: the python3-* packages the releases on the way no longer have."""

    @property
    def name(self) -> str:
        """"Debian 13 (trixie)"; the codename, or what the lists describe, when it is not known."""
        if self.release is not None:
            return self.release.name
        return self.codename or "the release the apt lists describe"

    def instead(self, package: str) -> str:
        """The package that takes over what a dropped one did, per the table; "" if none."""
        if self.release is None:
            return ""
        return dict(self.release.instead).get(package, "")


def version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def gather_upgrade(facts) -> Optional[Upgrade]:  # facts: pyguard.facts.Facts
    """The upgrade ahead, or None. `facts.upgrade_to` (set by upgrade-check's --to) names a
    release to look ahead to; without it only the apt lists can say an upgrade is ahead."""
    from .aptlists import read_apt_lists
    from .releases import ReleaseError, load_releases, path_between, table_path

    current = facts.defaults.default
    if not current:
        return None
    to = getattr(facts, "upgrade_to", "")
    lists = read_apt_lists(facts.fs, facts.dpkg.native_arch)
    candidate = lists.python3
    try:
        releases = load_releases()
    except ReleaseError:
        if to:
            raise
        releases = {}
    if candidate is not None and candidate.python and (not to or candidate.codename == to) \
            and version_key(candidate.python) > version_key(current):
        return Upgrade(current, candidate.python, candidate.codename,
                       releases.get(candidate.codename), FROM_LISTS, candidate.version,
                       (candidate.source,))
    if not to:
        return None
    release = releases[to]  # upgrade-check checked it names a release after this one
    if release.python == current:
        return None
    steps = path_between(releases, facts.host.codename, to) or (release,)
    dropped = frozenset(p for step in steps for p in step.dropped)
    return Upgrade(current, release.python, to, release, FROM_TABLE, "", (table_path(),),
                   dropped)


def gather_available(facts) -> Optional[FrozenSet[str]]:
    """Every package name apt can get once the upgrade is done, from the lists; None when the
    lists are not what describes the target (a look ahead with the table)."""
    upgrade = facts.get(gather_upgrade)
    if upgrade is None or upgrade.source != FROM_LISTS:
        return None
    from .aptlists import package_names

    return package_names(facts.fs, facts.dpkg.native_arch)


def leaves_release(facts, package: str) -> Optional[bool]:
    """Whether the target release no longer has `package`: True, False, or None when nothing
    can tell (no upgrade ahead)."""
    upgrade = facts.get(gather_upgrade)
    if upgrade is None:
        return None
    available = facts.get(gather_available)
    if available is not None:
        return package not in available
    return package in upgrade.dropped
