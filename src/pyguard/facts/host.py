"""Which distribution and release the examined root is, from its own os-release."""

from __future__ import annotations

from dataclasses import dataclass

from ..rootfs import RootFS


@dataclass(frozen=True)
class HostInfo:
    distro: str
    """os-release ID: debian, ubuntu, ... (empty when the root has no os-release)."""
    version: str
    codename: str


def read_host(fs: RootFS) -> HostInfo:
    """The root's os-release, kept between runs while it stays as it is (pyguard.memo): a run
    that finds it unchanged imports no `distro`, nor the logging and subprocess it imports."""
    from ..memo import kept_reading

    return kept_reading("host", fs, 1, parse_os_release, (HostInfo,))


def parse_os_release(fs: RootFS) -> HostInfo:
    """Parse the root's os-release with `distro`, handing it a path with no symlink left.

    `distro` opens files itself; resolving inside the root first keeps a hostile absolute
    symlink in the examined system from pointing it at the rescue system's own files.
    """
    import distro
    import os

    resolved = fs.resolve("/etc/os-release")
    if resolved is None or not fs.is_file(resolved):
        resolved = fs.resolve("/usr/lib/os-release")
    if resolved is None or not fs.is_file(resolved):
        return HostInfo("", "", "")
    info = distro.LinuxDistribution(
        include_lsb=False,
        include_uname=False,
        os_release_file=fs.host_path(resolved),
        distro_release_file=os.devnull,
    )
    return HostInfo(info.id(), info.version(best=False), info.codename())
