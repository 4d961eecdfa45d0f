"""Debian's version order, held equal to python-debian's version_compare (dpkg's algorithm) on
every version of the status files at hand and on the shapes that make it hard."""

import itertools
import random
import re
from pathlib import Path

import pytest
from debian.debian_support import version_compare

from pyguard.debversion import compare, valid

HARD = ["1.0", "1.0-1", "1.0-0", "1:0.9", "0:1.0", "1.0~rc1", "1.0~~", "1.0~", "1.0+b1",
        "1.0.0", "1.00", "1.0a", "1.0A", "1.0-1~bpo12+1", "1.0-1+deb12u1", "1.0-1.1", "2",
        "10", "9.9", "1.0-1ubuntu0.1", "3.11.2-6+deb12u8", "3.11.2-6", "66.1.1-1+deb12u2",
        "2.32.3+dfsg-5+deb13u1", "1:2.0", "a", "1.0-a", "1.0+", "1.0.", "0", "00", "1.0-0.0",
        "1~", "1~a", "1~~a", "1a~", "1-1-1", "1:1:1-1", "25.1.0-3+deb13u1", "1.2.3-r1+x",
]
INVALID = ["", "1 0", "1.0_1", "é1", ":1", "1:", "x:1.0"]
"""Left out: "1.0-", "-1" and "1:2:", which dpkg refuses and python-debian's two comparisons
(apt_pkg's under Debian's python3, its own elsewhere) sort differently."""


def versions_on_this_host():
    """Every Version line of the status files here: this host's and the cached test roots'."""
    found = set(HARD)
    for status in [Path("/var/lib/dpkg/status"),
                   *Path("/var/cache/pyguard-test-roots").glob("*/var/lib/dpkg/status")]:
        try:
            found.update(re.findall(r"(?m)^Version: (\S+)$", status.read_text(errors="replace")))
        except OSError:
            continue
    return sorted(found)


def sign(n: int) -> int:
    return (n > 0) - (n < 0)


def test_the_hard_shapes_sort_as_python_debian_sorts_them():
    for a, b in itertools.product(HARD, repeat=2):
        assert compare(a, b) == sign(version_compare(a, b)), (a, b)


def test_every_version_at_hand_sorts_as_python_debian_sorts_it():
    versions = versions_on_this_host()
    pairs = list(zip(versions, versions[1:]))
    rng = random.Random(13)
    pairs += [(rng.choice(versions), rng.choice(versions)) for _ in range(20000)]
    assert [compare(a, b) for a, b in pairs] == [sign(version_compare(a, b)) for a, b in pairs]


@pytest.mark.parametrize("version", INVALID)
def test_what_is_no_version_is_refused_as_python_debian_refuses_it(version):
    with pytest.raises(ValueError):
        version_compare(version, "1.0")
    with pytest.raises(ValueError):
        compare(version, "1.0")
    assert not valid(version)
