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


OS_RELEASE_LIMIT = 1 << 16
"""os-release files are a few hundred bytes; distro's parser is quadratic in a line's length."""


def parse_os_release(fs: RootFS) -> HostInfo:
    """Parse the root's os-release with `distro`, handed our own copy of its bytes.

    `distro` opens files itself: it gets a memory file holding what pyguard read through RootFS
    (no symlink of the examined system can point it at the rescue system's own files), with
    bytes that are not UTF-8 replaced (a Latin-1 PRETTY_NAME failed the whole run).
    """
    import distro
    import os

    data = None
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        data = fs.read_bytes(path, limit=OS_RELEASE_LIMIT)
        if data is not None:
            break
    if data is None:
        return HostInfo("", "", "")
    fd = os.memfd_create("os-release", os.MFD_CLOEXEC)
    try:
        left = memoryview(data.decode("utf-8", errors="replace").encode("utf-8"))
        while left:
            left = left[os.write(fd, left):]
        info = distro.LinuxDistribution(
            include_lsb=False,
            include_uname=False,
            os_release_file=f"/proc/self/fd/{fd}",
            distro_release_file=os.devnull,
        )
        return HostInfo(info.id(), info.version(best=False), info.codename())
    except ValueError as exc:  # shlex: an unclosed quotation
        fs.note("corrupt", path, f"not read: {exc}")
        return HostInfo("", "", "")
    finally:
        os.close(fd)
