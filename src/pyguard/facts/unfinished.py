"""Packages dpkg left half done, and Python's runtime hooks, read from /var/lib/dpkg alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from ..apt_cache import deb_path
from . import Facts

STATUS_FILE = "/var/lib/dpkg/status"
RUNTIME_D = "/usr/share/python3/runtime.d"
PARAGRAPH = re.compile(r"^Package:[ \t]*(\S+)[\s\S]*?^Status:[ \t]*(\S+)[ \t]+(\S+)[ \t]+(\S+)",
                       re.M)
PYTHON_NAME = re.compile(r"(?:lib)?python3(?:[.-].*)?")
PYTHON_PATH = re.compile(r"^/usr/lib/python3(?:\.\d+)?/", re.M)
UNFINISHED_STATES = ("half-installed", "unpacked", "half-configured", "triggers-awaited",
                     "triggers-pending")
REINSTALL_STATES = ("half-installed",)
"""States `dpkg --configure -a` cannot finish: only unpacking the package again can."""


@dataclass(frozen=True)
class Unfinished:
    """A package dpkg did not finish installing, configuring or removing."""

    name: str
    arch: str
    state: str
    """dpkg's state word: half-configured, unpacked, half-installed, triggers-pending, ..."""
    flag: str
    """ok, or reinstreq when dpkg demands the package be reinstalled first."""
    python: bool
    """python3*/libpython3* by name, or it has files under /usr/lib/python3*."""

    @property
    def needs_reinstall(self) -> bool:
        return self.flag == "reinstreq" or self.state in REINSTALL_STATES

    apt_name: str
    """The name apt-get understands: NAME, or NAME:ARCH for a foreign architecture's instance."""


@dataclass(frozen=True)
class RuntimeHook:
    """A /usr/share/python3/runtime.d/*.rtupdate hook python3's postinst runs."""

    path: str
    owners: Tuple[str, ...]
    executable: bool


@dataclass(frozen=True)
class DpkgProgress:
    unfinished: Tuple[Unfinished, ...]
    """Every package not fully installed (any package, Python or not), by name."""
    hooks: Tuple[RuntimeHook, ...]
    journal: Tuple[str, ...] = ()
    """The records a killed dpkg left in its journal (dpkg_journal): apt refuses to run until
    a dpkg run writes them into the status file."""


def gather_dpkg_progress(facts: Facts) -> DpkgProgress:
    dpkg = facts.dpkg
    fs = facts.fs
    text = dpkg.status_text if dpkg.admindir + "/status" == STATUS_FILE else \
        fs.read_text(STATUS_FILE) or ""
    candidates: List[str] = []
    for block in text.split("\n\n"):
        m = PARAGRAPH.search(block)
        if m is None:
            continue
        name, _, flag, state = m.groups()
        if state in UNFINISHED_STATES or (flag == "reinstreq" and state != "not-installed"):
            candidates.append(name)
    native = dpkg.native_arch
    unfinished: List[Unfinished] = []
    for name in dict.fromkeys(candidates):
        package = dpkg.package(name)
        if package is None or not (package.state in UNFINISHED_STATES or package.flag == "reinstreq"):
            continue
        python = bool(PYTHON_NAME.fullmatch(name))
        if not python:
            listed = fs.read_text(f"/var/lib/dpkg/info/{package.info_name}.list") or ""
            python = bool(PYTHON_PATH.search(listed))
        foreign = package.arch not in ("", "all", native)
        unfinished.append(Unfinished(name, package.arch, package.state, package.flag, python,
                                     f"{name}:{package.arch}" if foreign else name))
    hooks = []
    for entry in fs.listdir(RUNTIME_D):
        if not entry.endswith(".rtupdate"):
            continue
        path = f"{RUNTIME_D}/{entry}"
        st = fs.stat(path)
        if st is None or not fs.is_file(path):
            continue
        hooks.append(RuntimeHook(path, dpkg.owners(path), bool(st.st_mode & 0o111)))
    return DpkgProgress(tuple(sorted(unfinished, key=lambda u: u.name)), tuple(hooks),
                        dpkg.journal)


def missing_dependencies(facts: Facts, packages: Tuple[Unfinished, ...]) -> Tuple[str, ...]:
    """What the packages depend on (Depends, Pre-Depends) that no package dpkg knows as
    installed is or provides: `dpkg -i` of a package whose dependencies were never installed
    (apt refusing the day it dies) leaves it unpacked, and `dpkg --configure -a` cannot finish
    it. Of alternatives, the first, as apt picks. Versions are left to apt."""
    from .dpkg import status_fields
    from .relations import parse_relations

    dpkg = facts.dpkg
    provided = set()
    for block in dpkg.status_text.split("\n\n"):
        if "\nProvides:" in block:
            fields = status_fields(block)
            if dpkg.is_installed(fields.get("Package", "")):
                provided.update(name for group in parse_relations(fields["Provides"])
                                for name, _ in group)
    missing: List[str] = []
    for unfinished in packages:
        package = dpkg.package(unfinished.name)
        for group in parse_relations(package.depends if package is not None else ""):
            names = [name for name, _ in group if name]
            if names and not any(dpkg.is_installed(n) or n in provided for n in names):
                missing.append(names[0])
    return tuple(dict.fromkeys(missing))


def interpreter_debs(facts: Facts) -> Tuple[str, ...]:
    """The .debs of Debian's default interpreter, installed versions, when its program is gone
    (a release upgrade cut short): every maintainer script needs it back first."""
    program = f"/usr/bin/python{facts.defaults.default}"
    if not facts.defaults.default or facts.fs.is_file(program):
        return ()
    owners = facts.dpkg.owners(program) or (f"python{facts.defaults.default}-minimal",)
    packages = [p for p in map(facts.dpkg.package, owners) if p is not None and p.installed]
    return tuple(deb_path(p.name, p.version, p.arch) for p in packages)
