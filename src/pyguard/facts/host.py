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
    """The root's os-release, kept between runs while it stays as it is (pyguard.memo)."""
    from ..memo import kept_reading

    return kept_reading("host", fs, 1, parse_os_release, (HostInfo,))


OS_RELEASE_LIMIT = 1 << 16
"""os-release files are a few hundred bytes; shlex is quadratic in a line's length."""


def parse_os_release(fs: RootFS) -> HostInfo:
    """The root's os-release, parsed as the shell assignments it is (quotes, escapes, comments),
    as `distro` parses it: ID lower-cased, VERSION_ID, VERSION_CODENAME (else UBUNTU_CODENAME,
    else the name in VERSION's parentheses).

    pyguard reads it itself, through RootFS: `distro` opens files by path, and where VERSION_ID
    is missing (Debian testing and unstable) it reads /etc/debian_version of the host it runs
    on, not of the examined root (a rescue system's 12.x for a sid disk). Here that fallback is
    the root's own /etc/debian_version. Needing no module outside the standard library, it also
    works where pyguard's dependencies could not be installed (apt refusing on a broken host).
    """
    import re
    import shlex

    path, data = "", None
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        data = fs.read_bytes(path, limit=OS_RELEASE_LIMIT)
        if data is not None:
            break
    if data is None:
        return HostInfo("", "", "")
    lexer = shlex.shlex(data.decode("utf-8", errors="replace"), posix=True)
    lexer.whitespace_split = True
    try:
        fields = dict(token.split("=", 1) for token in lexer if "=" in token)
    except ValueError as exc:  # an unclosed quotation
        fs.note("corrupt", path, f"not read: {exc}")
        return HostInfo("", "", "")
    distro_id = fields.get("ID", "").lower().replace(" ", "_")
    version = fields.get("VERSION_ID", "")
    if not version and "debian" in (distro_id, *fields.get("ID_LIKE", "").split()):
        version = (fs.read_text("/etc/debian_version", limit=OS_RELEASE_LIMIT) or "\n")
        version = version.split("\n", 1)[0].strip()
    named = re.search(r"\((\D+)\)|,\s*(\D+)", fields.get("VERSION", ""))
    codename = fields.get("VERSION_CODENAME", fields.get("UBUNTU_CODENAME", (
        (named.group(1) or named.group(2)) if named else "")))
    return HostInfo(distro_id, version, codename)
