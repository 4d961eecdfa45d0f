"""Missing pieces: optional parts of Debian's Python whose absence surprises people."""

from __future__ import annotations

from typing import Iterator

from ..facts import Facts
from ..facts.pieces import gather_pieces
from ..findings import Hit


def python3_venv_missing(facts: Facts) -> Iterator[Hit]:
    """No ensurepip for the default Python: "python3 -m venv" fails."""
    pieces = facts.get(gather_pieces)
    if not pieces.version or pieces.ensurepip or not pieces.installs_from_pypi:
        return
    yield Hit(subject=f"python{pieces.version}-venv",
              evidence={"version": pieces.version, "package": _package(facts, "venv")},
              paths=(f"/usr/lib/python{pieces.version}/ensurepip",))


def python3_distutils_missing(facts: Facts) -> Iterator[Hit]:
    """distutils split out of the standard library and its package not installed."""
    pieces = facts.get(gather_pieces)
    if not pieces.version or not pieces.distutils_split or not pieces.installs_from_pypi:
        return
    yield Hit(subject=f"python{pieces.version}-distutils",
              evidence={"version": pieces.version, "package": _package(facts, "distutils")},
              paths=(f"/usr/lib/python{pieces.version}/distutils/core.py",))


def python3_pip_missing(facts: Facts) -> Iterator[Hit]:
    """Somebody runs a pip of their own where Debian's python3-pip is not installed."""
    pieces = facts.get(gather_pieces)
    if pieces.debian_pip or not pieces.pip_evidence:
        return
    yield Hit(subject="python3-pip",
              evidence={"evidence": pieces.pip_evidence, "package": "python3-pip"},
              paths=pieces.pip_evidence)


def _package(facts: Facts, part: str) -> str:
    """python3-venv for the default Python (what apt suggests), python3.X-venv otherwise."""
    pieces = facts.get(gather_pieces)
    if pieces.version == facts.defaults.default:
        return f"python3-{part}"
    return f"python{pieces.version}-{part}"
