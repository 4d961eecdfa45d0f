"""The dpkg database, read from files under the root: who owns what, and what it shipped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from ..rootfs import RootFS

DPKG_DIR = "/var/lib/dpkg"
STATUS_FIELDS = ["Package", "Architecture", "Version", "Status", "Depends", "Pre-Depends",
                 "Provides", "Conffiles", "Multi-Arch", "Source"]


@dataclass(frozen=True)
class Conffile:
    path: str
    md5: str
    obsolete: bool


@dataclass(frozen=True)
class Package:
    """One package paragraph of /var/lib/dpkg/status."""

    name: str
    arch: str
    version: str
    want: str
    flag: str
    state: str
    """dpkg's state word: installed, half-configured, unpacked, triggers-pending, ..."""
    multi_arch: str
    depends: str
    conffiles: Tuple[Conffile, ...]

    @property
    def installed(self) -> bool:
        """Files are on disk: anything but not-installed and config-files."""
        return self.state not in ("not-installed", "config-files")

    @property
    def info_name(self) -> str:
        """The stem of this package's files in /var/lib/dpkg/info (name:arch for M-A: same)."""
        if self.multi_arch == "same":
            return f"{self.name}:{self.arch}"
        return self.name


@dataclass(frozen=True)
class Diversion:
    path: str
    divert_to: str
    by: str
    """The diverting package, or ":" for a local diversion made by hand."""


@dataclass(frozen=True)
class Alternative:
    """An update-alternatives group from /var/lib/dpkg/alternatives/NAME."""

    name: str
    mode: str
    link: str
    choices: Tuple[Tuple[str, int], ...]
    """(path, priority) of each registered choice."""


class DpkgDatabase:
    """Lazy reader of /var/lib/dpkg: each part is read once, on first use."""

    def __init__(self, fs: RootFS, admindir: str = DPKG_DIR) -> None:
        self.fs = fs
        self.admindir = admindir
        self._md5_cache: Dict[str, Mapping[str, str]] = {}

    @cached_property
    def present(self) -> bool:
        return self.fs.is_file(f"{self.admindir}/status")

    @cached_property
    def packages(self) -> Mapping[str, Package]:
        """Packages by name; for a multi-arch package, the instance of the native arch wins."""
        text = self.fs.read_text(f"{self.admindir}/status")
        if text is None:
            return {}
        found: Dict[str, Package] = {}
        for paragraph in _paragraphs(text, self.fs, f"{self.admindir}/status"):
            package = _package(paragraph)
            if package is None:
                continue
            previous = found.get(package.name)
            if previous is None or (not previous.installed and package.installed):
                found[package.name] = package
        return found

    def installed(self) -> Iterator[Package]:
        return (p for p in self.packages.values() if p.installed)

    def package(self, name: str) -> Optional[Package]:
        return self.packages.get(name)

    @cached_property
    def files(self) -> Mapping[str, Tuple[str, ...]]:
        """Each installed package's file list (info/PKG.list), by package name."""
        out: Dict[str, Tuple[str, ...]] = {}
        for package in self.installed():
            text = self.fs.read_text(f"{self.admindir}/info/{package.info_name}.list")
            if text is None:
                continue
            out[package.name] = tuple(line for line in text.split("\n") if line)
        return out

    @cached_property
    def _owners(self) -> Mapping[str, Tuple[str, ...]]:
        index: Dict[str, Tuple[str, ...]] = {}
        for name, paths in self.files.items():
            for path in paths:
                owners = index.get(path)
                index[path] = (name,) if owners is None else owners + (name,)
        return index

    def owners(self, path: str) -> Tuple[str, ...]:
        """The installed packages whose file list names `path` (directories too)."""
        return self._owners.get(path, ())

    def owned(self, path: str) -> bool:
        return path in self._owners

    def paths_under(self, prefix: str) -> Iterator[str]:
        """Every dpkg-known path below a directory (prefix ends without a slash)."""
        start = prefix.rstrip("/") + "/"
        return (path for path in self._owners if path.startswith(start))

    def md5sums(self, package: str) -> Mapping[str, str]:
        """Path -> md5 of the files a package shipped (info/PKG.md5sums; empty if none)."""
        cache = self._md5_cache
        if package in cache:
            return cache[package]
        pkg = self.packages.get(package)
        sums: Dict[str, str] = {}
        if pkg is not None:
            text = self.fs.read_text(f"{self.admindir}/info/{pkg.info_name}.md5sums") or ""
            for line in text.split("\n"):
                digest, sep, rel = line.partition("  ")
                if sep and len(digest) == 32:
                    sums["/" + rel] = digest
        cache[package] = sums
        return sums

    def shipped_md5(self, path: str) -> Optional[Tuple[str, str]]:
        """(package, md5) of what dpkg shipped at `path`, from md5sums or conffile hashes."""
        for owner in self.owners(path):
            digest = self.md5sums(owner).get(path)
            if digest:
                return owner, digest
            pkg = self.packages.get(owner)
            for conffile in pkg.conffiles if pkg else ():
                if conffile.path == path:
                    return owner, conffile.md5
        return None

    @cached_property
    def diversions(self) -> Mapping[str, Diversion]:
        text = self.fs.read_text(f"{self.admindir}/diversions") or ""
        lines = text.split("\n")
        out: Dict[str, Diversion] = {}
        for i in range(0, len(lines) - 2, 3):
            path, divert_to, by = lines[i], lines[i + 1], lines[i + 2]
            if path.startswith("/"):
                out[path] = Diversion(path, divert_to, by)
        return out

    def alternative(self, name: str) -> Optional[Alternative]:
        """The alternatives group NAME, or None when update-alternatives has none."""
        text = self.fs.read_text(f"{self.admindir}/alternatives/{name}")
        if text is None:
            return None
        return _alternative(name, text)


def _paragraphs(text: str, fs: RootFS, where: str) -> Iterator[Mapping[str, str]]:
    """deb822 paragraphs parsed with python-debian; a corrupt one is noted and skipped."""
    from debian.deb822 import Deb822

    for block in re.split(r"\n\s*\n", text):
        if not block.strip():
            continue
        try:
            paragraph = Deb822(block.split("\n"), fields=STATUS_FIELDS)
        except Exception as exc:  # python-debian raises various errors on garbage
            fs.note("corrupt", where, f"unparsable paragraph skipped: {exc}")
            continue
        if "Package" not in paragraph:
            fs.note("corrupt", where, "a paragraph without a Package field was skipped")
            continue
        yield paragraph


def _package(paragraph: Mapping[str, str]) -> Optional[Package]:
    words = paragraph.get("Status", "").split()
    if len(words) != 3:
        return None
    conffiles: List[Conffile] = []
    for line in paragraph.get("Conffiles", "").split("\n"):
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("/"):
            conffiles.append(Conffile(parts[0], parts[1], "obsolete" in parts[2:]))
    depends = ", ".join(v for v in (paragraph.get("Pre-Depends"), paragraph.get("Depends")) if v)
    return Package(
        name=paragraph["Package"],
        arch=paragraph.get("Architecture", ""),
        version=paragraph.get("Version", ""),
        want=words[0],
        flag=words[1],
        state=words[2],
        multi_arch=paragraph.get("Multi-Arch", ""),
        depends=depends,
        conffiles=tuple(conffiles),
    )


def _alternative(name: str, text: str) -> Alternative:
    lines = text.split("\n")
    mode = lines[0] if lines else ""
    link = lines[1] if len(lines) > 1 else ""
    i = 2
    slaves = 0
    while i + 1 < len(lines) and lines[i]:
        slaves += 1
        i += 2
    i += 1  # the blank line ending the slave list
    choices: List[Tuple[str, int]] = []
    while i + 1 < len(lines) and lines[i]:
        path, priority = lines[i], lines[i + 1]
        choices.append((path, int(priority) if priority.lstrip("-").isdigit() else 0))
        i += 2 + slaves
    return Alternative(name, mode, link, tuple(choices))
