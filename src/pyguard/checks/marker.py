"""Does each Debian stdlib still carry its PEP 668 EXTERNALLY-MANAGED marker as shipped?"""

from __future__ import annotations

import hashlib
import stat
from typing import Iterator, Optional, Tuple

from ..facts import Facts
from ..facts.dpkg_filter import PathRule
from ..findings import Hit

MARKER = "EXTERNALLY-MANAGED"
GONE = ("Without it pip installs into the system interpreter without a word, over the packages "
        "Debian manages.")
ALTERED = ("pip still refuses to install into the system interpreter (the file being there is "
           "enough), but what it then says is no longer Debian's advice (apt install "
           "python3-NAME, a virtual environment, or pipx).")


def pep668_marker(facts: Facts) -> Iterator[Hit]:
    dpkg = facts.dpkg
    for interpreter in facts.interpreters:
        marker = f"{interpreter.stdlib}/{MARKER}"
        owners = dpkg.owners(marker)
        if not owners:
            continue  # this release's Python predates PEP 668 or was not built by Debian
        package = owners[0]
        rule = dpkg.path_filter.excluding(marker) if dpkg.path_filter.rules else None
        found = _state(facts, marker, package, rule)
        if found is None:
            continue
        state, gone = found
        diversion = dpkg.diversions.get(marker)
        filter_file = rule.source.rsplit(":", 1)[0] if rule else ""
        yield Hit(
            subject=marker,
            evidence={"version": interpreter.version, "package": package, "state": state,
                      "how": "gone" if gone else "not as shipped",
                      "effect": GONE if gone else ALTERED,
                      "diverted": marker if diversion else "", "filter_file": filter_file,
                      "include": f"path-include={marker}" if rule else ""},
            paths=(marker,) + ((filter_file,) if rule else ()),
        )


def _state(facts: Facts, marker: str, package: str,
           excluding: Optional[PathRule]) -> Optional[Tuple[str, bool]]:
    """What became of the marker, and whether it is gone for pip; None: as shipped."""
    fs = facts.fs
    st = fs.lstat(marker)
    if st is None:
        return _gone(facts, marker, excluding), True
    followed = fs.stat(marker)  # pip's os.path.isfile follows links
    if followed is None or not stat.S_ISREG(followed.st_mode):
        return "it is no longer a regular file", True
    if followed.st_size == 0:
        return "it is empty", False
    shipped = facts.dpkg.md5sums(package).get(marker)
    data = fs.read_bytes(marker, limit=1 << 20)
    if shipped and data is not None and hashlib.md5(data).hexdigest() != shipped:
        return "its text differs from what Debian shipped", False
    return None


def _gone(facts: Facts, marker: str, excluding: Optional[PathRule]) -> str:
    """Where the marker went: nowhere dpkg or pip looks."""
    fs = facts.fs
    stdlib = marker.rsplit("/", 1)[0]
    moved = [n for n in fs.listdir(stdlib) if n.startswith(MARKER) and n != MARKER]
    diversion = facts.dpkg.diversions.get(marker)
    if diversion:
        return f"dpkg-divert moved it to {diversion.divert_to}"
    if moved:
        return f"it was renamed to {', '.join(moved)}"
    if excluding:
        return (f"dpkg's path-exclude={excluding.pattern} in {excluding.source} keeps it "
                "off the disk")
    return "it is missing"
