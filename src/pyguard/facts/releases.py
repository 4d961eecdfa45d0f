"""The release table in rules/releases.deb822: each Debian and Ubuntu release's default Python.

`pyguard upgrade-check --to CODENAME` looks ahead with it before the sources name the next
release; once `apt update` has read the next release's lists, they are the authority and the
table only names the release and what replaces a dropped package.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

TABLE = "releases.deb822"
PACKAGE_RULES = "/usr/share/pyguard/rules"
PYTHON = re.compile(r"3\.\d+")


class ReleaseError(ValueError):
    """The table is damaged; the message names the file and the problem."""


@dataclass(frozen=True)
class Release:
    codename: str
    distribution: str
    """debian or ubuntu, as os-release's ID."""
    version: str
    python: str
    """The python3.X its python3 depends on: "3.13"."""
    follows: str
    """The release an upgrade to this one comes from; empty for the oldest in the table."""
    dropped: Tuple[str, ...]
    """python3-* packages its predecessor had and it does not (as far as the table knows)."""
    instead: Tuple[Tuple[str, str], ...]
    """(dropped package, the package that takes over what it did)."""

    @property
    def name(self) -> str:
        """"Debian 13 (trixie)", as doctor names a host."""
        distro = {"debian": "Debian", "ubuntu": "Ubuntu"}.get(self.distribution, self.distribution)
        return f"{distro} {self.version} ({self.codename})"


def table_path() -> str:
    """The table beside the rule files, found as pyguard.rules.rule_dirs finds those (facts do
    not import the rule model; a test holds the two equal): $PYGUARD_RULES's first directory,
    else a checkout's rules/, the wheel's copy, or the Debian package's."""
    override = [p for p in os.environ.get("PYGUARD_RULES", "").split(os.pathsep) if p]
    if override:
        return os.path.join(override[0], TABLE)
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    candidates = [os.path.join(os.path.dirname(os.path.dirname(here)), "rules"),
                  os.path.join(here, "rules"), PACKAGE_RULES]
    return os.path.join(next((c for c in candidates if os.path.isdir(c)), PACKAGE_RULES), TABLE)


def load_releases(path: Optional[str] = None) -> Dict[str, Release]:
    """Every release of the table by codename."""
    path = path or table_path()
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise ReleaseError(f"{path}: {exc.strerror or exc}") from None
    out: Dict[str, Release] = {}
    for number, block in enumerate(re.split(r"\n[ \t]*\n", text), 1):
        fields = _paragraph(block, f"{path} paragraph {number}")
        if fields:
            release = _release(fields, f"{path} paragraph {number}")
            out[release.codename] = release
    return out


def _paragraph(block: str, where: str) -> Dict[str, str]:
    """One deb822 paragraph: `Field: value` lines, continuation lines start with a blank,
    # lines are comments."""
    fields: Dict[str, str] = {}
    name = None
    for line in block.split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        if line[0] in " \t":
            if name is None:
                raise ReleaseError(f"{where}: continuation line before any field")
            fields[name] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or " " in name:
            raise ReleaseError(f"{where}: not a 'Field: value' line: {line!r}")
        fields[name] = value.strip()
    return fields


def _release(fields: Dict[str, str], where: str) -> Release:
    missing = [k for k in ("Release", "Distribution", "Version", "Python") if not fields.get(k)]
    if missing:
        raise ReleaseError(f"{where}: missing {', '.join(missing)}")
    if not PYTHON.fullmatch(fields["Python"].strip()):
        raise ReleaseError(f"{where}: Python must be 3.X, not {fields['Python']!r}")
    instead = []
    for pair in fields.get("Instead", "").split():
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise ReleaseError(f"{where}: Instead takes DROPPED=PACKAGE, not {pair!r}")
        instead.append((old, new))
    return Release(codename=fields["Release"].strip(), distribution=fields["Distribution"].strip(),
                   version=fields["Version"].strip(), python=fields["Python"].strip(),
                   follows=fields.get("Follows", "").strip(),
                   dropped=tuple(fields.get("Dropped", "").split()), instead=tuple(instead))


def path_between(releases: Dict[str, Release], start: str, end: str) -> Tuple[Release, ...]:
    """The releases an upgrade from `start` to `end` goes through, `end` included, oldest
    first; () when `end` does not follow `start` in the table."""
    chain = []
    current = releases.get(end)
    while current is not None and current.codename != start:
        chain.append(current)
        current = releases.get(current.follows)
    return tuple(reversed(chain)) if current is not None else ()
