"""Everything pyguard knows about the examined root, gathered lazily and once per run."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, TypeVar

from ..rootfs import RootFS
from .accounts import Owners
from .dpkg import DpkgDatabase
from .host import HostInfo, read_host
from .python import (Interpreter, Python3Link, PythonDefaults, find_interpreters,
                     follow_python3, read_defaults)
from .sites import SiteContents, SiteDir, forget_vanished_sites, read_site, site_dirs


T = TypeVar("T")


class Facts:
    """The read-only facts checks work from; each part is read on first use."""

    def __init__(self, fs: RootFS) -> None:
        self.fs = fs
        self._sites: Dict[str, Optional[SiteContents]] = {}
        self._gathered: Dict[Callable[["Facts"], Any], Any] = {}
        self._hits: Dict[Callable[["Facts"], Iterable[Any]], Tuple[Any, ...]] = {}

    def get(self, gather: Callable[["Facts"], T]) -> T:
        """The result of gather(facts), computed once per run.

        Facts that only some checks need live in their own modules as gather_* functions,
        so adding one touches nothing here.
        """
        if gather not in self._gathered:
            self._gathered[gather] = gather(self)
        return self._gathered[gather]

    def hits(self, check: Callable[["Facts"], Iterable[T]]) -> Tuple[T, ...]:
        """Everything check(facts) finds, found once per run: the engine runs each rule's check
        through here, and a rule that leaves to another what that one reports asks it here
        rather than running its check again."""
        if check not in self._hits:
            self._hits[check] = tuple(check(self))
        return self._hits[check]

    @property
    def accounts(self) -> Dict[int, str]:
        return self.owners.accounts

    def owner_of(self, path: str) -> Optional[str]:
        """Who a repair may act on `path` as: root, its one controlling user, or None (nobody)."""
        return self.owners(path)

    @cached_property
    def owners(self) -> Owners:
        """owner_of, and the owner of a tree taken away whole, for the repair templates."""
        return Owners(self.fs)

    @cached_property
    def dpkg(self) -> DpkgDatabase:
        return DpkgDatabase(self.fs)

    @cached_property
    def host(self) -> HostInfo:
        return read_host(self.fs)

    @cached_property
    def defaults(self) -> PythonDefaults:
        return read_defaults(self.fs)

    @cached_property
    def interpreters(self) -> Tuple[Interpreter, ...]:
        return find_interpreters(self.fs, self.dpkg)

    def interpreter(self, version: str) -> Optional[Interpreter]:
        return next((i for i in self.interpreters if i.version == version), None)

    @cached_property
    def python3(self) -> Python3Link:
        return follow_python3(self.fs, self.dpkg)

    @cached_property
    def site_dirs(self) -> Tuple[SiteDir, ...]:
        versions = {i.version for i in self.interpreters}
        if self.python3.version:
            versions.add(self.python3.version)
        found = site_dirs(self.fs, versions)
        forget_vanished_sites(self.fs, found)
        return found

    def site(self, path: str) -> Optional[SiteContents]:
        """What is installed in one site directory (read on first use); None if there is none."""
        if path not in self._sites:
            found = next((s for s in self.site_dirs if s.path == path), None)
            self._sites[path] = read_site(self.fs, self.dpkg, found) if found else None
        return self._sites[path]

    def sites_of_kind(self, kind: str) -> Tuple[SiteContents, ...]:
        return tuple(c for c in map(self.site, (s.path for s in self.site_dirs if s.kind == kind))
                     if c is not None)
