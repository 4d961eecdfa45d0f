"""Debian's version order, as dpkg sorts versions (`dpkg --compare-versions`).

pyguard compares versions where it must run the day apt dies: dpkg may then have unpacked
pyguard without the python3-debian it depends on (apt refuses to install anything while dpkg
was interrupted; `dpkg -i` is what is left), and the standard library is all there is.
test_debversion holds it equal to python-debian's version_compare.
"""

from __future__ import annotations

import re

VALID = re.compile(r"(?:(\d+):)?([A-Za-z0-9.+:~-]+?)(?:-([A-Za-z0-9+.~]+))?")
"""epoch:upstream-revision, the characters python-debian's Version accepts."""


def valid(version: str) -> bool:
    try:
        _parts(version)
    except ValueError:
        return False
    return True


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as Debian version `a` sorts before, with or after `b`; ValueError for a
    string that is not a Debian version."""
    pa, pb = _parts(a), _parts(b)
    if pa[0] != pb[0]:
        return -1 if pa[0] < pb[0] else 1
    result = _verrevcmp(pa[1], pb[1]) or _verrevcmp(pa[2], pb[2])
    return (result > 0) - (result < 0)


def _parts(version: str):
    m = VALID.fullmatch(version)
    if m is None or (m.group(1) is None and ":" in m.group(2)):  # a colon only after an epoch
        raise ValueError(f"Invalid version string {version!r}")
    epoch, upstream, revision = m.groups()
    return int(epoch or 0), upstream, revision or "0"


def _order(c: str) -> int:
    """Where a character sorts: ~ before the end of a part, letters before other characters;
    digits and the end are 0 (digit runs are compared as numbers apart)."""
    if not c or c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return -1 if c == "~" else ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    """dpkg's verrevcmp: alternating runs of non-digits (by _order) and digits (as numbers)."""
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac, bc = _order(a[i:i + 1]), _order(b[j:j + 1])
            if ac != bc:
                return ac - bc
            i, j = i + 1, j + 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        first_diff = 0
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            first_diff = first_diff or ord(a[i]) - ord(b[j])
            i, j = i + 1, j + 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0
