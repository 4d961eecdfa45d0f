"""Debian's idea of its Python, and what is really on disk: defaults, interpreters, the link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..rootfs import RootFS
from .dpkg import DpkgDatabase

DEBIAN_DEFAULTS = "/usr/share/python3/debian_defaults"
PYTHON3 = "/usr/bin/python3"
ALTERNATIVES_DIR = "/etc/alternatives"
VERSION_NAME = re.compile(r"python(3\.\d+)")


@dataclass(frozen=True)
class PythonDefaults:
    """/usr/share/python3/debian_defaults, shipped by the python3 package."""

    default: str
    """The default version, "3.11" (empty when the file is missing or says nothing)."""
    supported: Tuple[str, ...]


@dataclass(frozen=True)
class Interpreter:
    """A Debian python3.X: its binary and its standard library, and who ships them."""

    version: str
    binary: str
    binary_present: bool
    binary_owners: Tuple[str, ...]
    stdlib: str
    stdlib_present: bool
    stdlib_owners: Tuple[str, ...]

    @property
    def name(self) -> str:
        return f"python{self.version}"


@dataclass(frozen=True)
class Step:
    """One link on the way from /usr/bin/python3 to the interpreter, and who owns it."""

    path: str
    target: str
    owners: Tuple[str, ...]


@dataclass(frozen=True)
class Python3Link:
    """Where /usr/bin/python3 leads, step by step."""

    steps: Tuple[Step, ...]
    final: str
    kind: str
    """What is at the end: file, dir, missing, loop, other, unreadable."""
    final_owners: Tuple[str, ...]
    version: Optional[str]
    """The Python version the final interpreter runs, read from names on disk, never by running
    it; None when nothing runs (a dangling link) or the version cannot be told."""

    @property
    def through_alternatives(self) -> bool:
        return any(step.path.startswith(ALTERNATIVES_DIR + "/") for step in self.steps)


def read_defaults(fs: RootFS) -> PythonDefaults:
    text = fs.read_text(DEBIAN_DEFAULTS) or ""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    default = VERSION_NAME.fullmatch(values.get("default-version", ""))
    supported = tuple(
        m.group(1) for m in (VERSION_NAME.fullmatch(v.strip())
                             for v in values.get("supported-versions", "").split(",")) if m
    )
    return PythonDefaults(default.group(1) if default else "", supported)


def find_interpreters(fs: RootFS, dpkg: DpkgDatabase) -> Tuple[Interpreter, ...]:
    """Every python3.X that dpkg installed or that has a binary or stdlib under /usr."""
    out = []
    for version in interpreter_versions(fs, dpkg):
        binary = f"/usr/bin/python{version}"
        stdlib = f"/usr/lib/python{version}"
        out.append(Interpreter(
            version=version,
            binary=binary,
            binary_present=fs.is_file(binary),
            binary_owners=dpkg.owners(binary),
            stdlib=stdlib,
            stdlib_present=fs.is_file(f"{stdlib}/os.py"),
            stdlib_owners=dpkg.owners(f"{stdlib}/os.py"),
        ))
    return tuple(out)


def interpreter_versions(fs: RootFS, dpkg: DpkgDatabase) -> List[str]:
    """The versions of find_interpreters, oldest first, without asking who owns what."""
    versions = set()
    for name in dpkg.names():
        m = re.fullmatch(r"(?:lib)?python(3\.\d+)(?:-minimal|-stdlib)?", name)
        if m and dpkg.is_installed(name):
            versions.add(m.group(1))
    for name in fs.listdir("/usr/bin"):
        m = VERSION_NAME.fullmatch(name)
        if m:
            versions.add(m.group(1))
    for name in fs.listdir("/usr/lib"):
        m = VERSION_NAME.fullmatch(name)
        if m:
            versions.add(m.group(1))
    return sorted(versions, key=_version_key)


def follow_python3(fs: RootFS, dpkg: DpkgDatabase, path: str = PYTHON3) -> Python3Link:
    chain = fs.chain(path)
    steps = tuple(Step(s.path, s.target, dpkg.owners(s.path)) for s in chain.steps)
    return Python3Link(
        steps=steps,
        final=chain.final,
        kind=chain.kind,
        final_owners=dpkg.owners(chain.final),
        version=_version_of(fs, chain.final) if chain.kind == "file" else None,
    )


def _name_version(path: str) -> Optional[str]:
    m = VERSION_NAME.fullmatch(path.rsplit("/", 1)[-1])
    return m.group(1) if m else None


def _version_of(fs: RootFS, binary: str) -> Optional[str]:
    """The version of an interpreter from its name or, for a bare python3, its prefix's lib.

    pyenv, conda and `make install` builds keep their stdlib at PREFIX/lib/python3.X next to
    PREFIX/bin/python3; reading that directory name tells the version without running anything.
    """
    named = _name_version(binary)
    if named:
        return named
    prefix = binary.rsplit("/", 2)[0] or "/"
    found = [m.group(1) for m in (VERSION_NAME.fullmatch(n) for n in fs.listdir(prefix + "/lib"))
             if m and fs.is_file(f"{prefix}/lib/{m.group(0)}/os.py")]
    return max(found, key=_version_key) if len(found) == 1 else None


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
