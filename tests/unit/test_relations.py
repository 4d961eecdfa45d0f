"""pyguard's reader of Depends fields reads what python-debian's PkgRelation reads: every
Depends and Pre-Depends of the status files at hand, and the shapes that make it hard."""

import re
from pathlib import Path

import pytest
from debian.deb822 import PkgRelation

from pyguard.facts.relations import parse_relations

HARD = [
    "python3:any (>= 3.11~), libc6 (>= 2.34) | libc6.1, foo:amd64 (<< 2) [amd64 !i386] <!nocheck>",
    "a|b|c", "a (= 1:2.0-1)", "a(>=1)", "a ( >= 1 )", " a , b ", "a,,b", "", "a (>= )",
    "a (>> 1) <stage1> <!cross>", "python3-pkg-resources (= 66.1.1-1+deb12u2)", "bad name!",
    "a (>= 1) | bad name!, b",
]


def depends_at_hand():
    found = set(HARD)
    for status in [Path("/var/lib/dpkg/status"),
                   *Path("/var/cache/pyguard-test-roots").glob("*/var/lib/dpkg/status")]:
        try:
            text = status.read_text(errors="replace")
        except OSError:
            continue
        found.update(re.findall(r"(?m)^(?:Pre-)?Depends: (.*)$", text))
    return sorted(found)


def python_debians(text):
    return [[(r["name"], r["version"]) for r in group]
            for group in PkgRelation.parse_relations(text)]


@pytest.mark.parametrize("text", HARD)
def test_the_hard_shapes_read_as_python_debian_reads_them(text):
    assert parse_relations(text) == python_debians(text)


def test_every_depends_at_hand_reads_as_python_debian_reads_it():
    fields = depends_at_hand()
    assert [parse_relations(f) for f in fields] == [python_debians(f) for f in fields]
