"""Where apt keeps the .debs it downloads, by the names it gives them: a rule names the .deb
to unpack, the action downloads and unpacks it, fix reads what was unpacked over."""

from __future__ import annotations

from typing import Tuple

ARCHIVES = "/var/cache/apt/archives"


def deb_path(name: str, version: str, arch: str) -> str:
    """Where apt keeps the .deb of that version (an epoch's colon is %3a in the name)."""
    return f"{ARCHIVES}/{name}_{version.replace(':', '%3a')}_{arch}.deb"


def deb_parts(path: str) -> Tuple[str, str, str]:
    """(name, version, arch) of a .deb deb_path() names; a bare name (explain's placeholder)
    has neither version nor arch."""
    stem = path.rsplit("/", 1)[-1]
    parts = stem[:-len(".deb")].split("_") if stem.endswith(".deb") else []
    if len(parts) != 3:
        return stem, "", ""
    name, version, arch = parts
    return name, version.replace("%3a", ":"), arch
