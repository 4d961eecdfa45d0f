"""Is /usr/bin/python3 Debian's default interpreter, the way dpkg installed it?"""

from __future__ import annotations

from typing import Iterator, List

from ..facts import Facts
from ..findings import Hit

PYTHON3 = "/usr/bin/python3"


def alternative_groups(facts: Facts) -> List[str]:
    """update-alternatives groups that have a hand on /usr/bin/python3."""
    groups = [step.path.rsplit("/", 1)[1] for step in facts.python3.steps
              if step.path.startswith("/etc/alternatives/")]
    alternative = facts.dpkg.alternative("python3")
    if alternative is not None and alternative.link == PYTHON3 and "python3" not in groups:
        groups.append("python3")
    return groups


def python3_alternatives(facts: Facts) -> Iterator[Hit]:
    default = facts.defaults.default
    groups = alternative_groups(facts)
    if not default or not groups:
        return
    link = facts.python3
    alternatives = [facts.dpkg.alternative(group) for group in groups]
    choices = tuple(path for a in alternatives if a for path, _ in a.choices)
    yield Hit(
        subject=PYTHON3,
        evidence={"default": default, "alternative": tuple(groups),
                  "target": link.final, "choices": choices},
        paths=(PYTHON3,) + tuple(step.path for step in link.steps[1:]),
    )


def python3_link(facts: Facts) -> Iterator[Hit]:
    default = facts.defaults.default
    if not default or alternative_groups(facts):
        return
    link = facts.python3
    expected = f"/usr/bin/python{default}"
    owned = bool(facts.dpkg.owners(expected))
    if link.kind == "file" and link.final == expected and owned:
        return
    yield Hit(
        subject=PYTHON3,
        evidence={"default": default, "target": link.final, "state": _state(facts, expected)},
        paths=(PYTHON3,) + ((link.final,) if link.final != PYTHON3 else ()),
    )


def _state(facts: Facts, expected: str) -> str:
    link = facts.python3
    if not link.steps:
        if link.kind == "missing":
            return "it is missing"
        if link.kind == "file":
            return "it is a regular file, not the symlink Debian ships"
        return f"it is a {link.kind}, not the symlink Debian ships"
    if link.kind == "loop":
        return "its symlinks form a loop"
    if link.kind == "missing":
        return f"it points to {link.final}, which does not exist"
    if link.final == expected:
        return f"{expected} is not the one dpkg installed"
    owners = facts.dpkg.owners(link.final)
    origin = f"from {', '.join(owners)}" if owners else "which no Debian package installed"
    version = f" (Python {link.version})" if link.version else ""
    return f"it runs {link.final}{version}, {origin}"
