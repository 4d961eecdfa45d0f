"""Everything pyguard knows about the examined root, gathered lazily and once per run."""

from __future__ import annotations

from functools import cached_property
from typing import Mapping, Optional, Tuple

from ..rootfs import RootFS
from .dpkg import DpkgDatabase
from .host import HostInfo, read_host
from .python import (Interpreter, Python3Link, PythonDefaults, find_interpreters,
                     follow_python3, read_defaults)
from .sites import SiteContents, SiteDir, read_site, site_dirs


class Facts:
    """The read-only facts checks work from; each part is read on first use."""

    def __init__(self, fs: RootFS) -> None:
        self.fs = fs

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
        return site_dirs(self.fs, versions)

    @cached_property
    def sites(self) -> Mapping[str, SiteContents]:
        """Contents of each site directory, by its path."""
        return {site.path: read_site(self.fs, self.dpkg, site) for site in self.site_dirs}
