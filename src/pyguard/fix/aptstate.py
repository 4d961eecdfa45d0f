"""What apt reads to answer a question about the examined system, as one fingerprint.

apt's answers (`apt-cache policy`, `apt-get -s`, `--print-uris`) follow from dpkg's status,
apt's own state, its lists and its configuration: given the same bytes, apt says the same.
fix asks apt what each step will do when it plans; before a step runs it asks again only where
an earlier step changed one of those. A reinstall of the installed version leaves dpkg's status
byte for byte as it was, so a fix of reinstalls asks apt once per step, not twice.
"""

from __future__ import annotations

import hashlib
import stat

from ..rootfs import RootFS

DIGESTED = ("/var/lib/dpkg/status", "/var/lib/dpkg/arch", "/var/lib/apt/extended_states",
            "/etc/machine-id")
"""Read whole: dpkg rewrites its status on every run, usually to the same bytes. The
machine id decides Ubuntu's phased updates."""
DIGESTED_TREES = ("/etc/apt", "/var/lib/dpkg/updates")
"""apt's configuration, sources, preferences and keys; dpkg's journal of unfinished work."""
LISTS = "/var/lib/apt/lists"
"""Tens of MB: known by identity. apt update writes a list anew and renames it into place,
which no list keeps its inode and ctime through."""
LISTS_IGNORED = ("lock", "partial")


def fingerprint(fs: RootFS) -> str:
    """sha256 over every input of apt's answers, as they are now."""
    digest = hashlib.sha256()

    def add(path: str, what: object) -> None:
        digest.update(f"{path}\0{what}\n".encode("utf-8", "surrogateescape"))

    for path in DIGESTED:
        add(path, fs.digest(path, "sha256"))
    for top in DIGESTED_TREES:
        for path in fs.walk(top):
            st = fs.lstat(path)
            if st is None or stat.S_ISDIR(st.st_mode):
                continue
            add(path, fs.readlink(path) if stat.S_ISLNK(st.st_mode) else
                fs.digest(path, "sha256"))
    for path in fs.walk(LISTS):
        if path[len(LISTS) + 1:].split("/")[0] in LISTS_IGNORED:
            continue
        st = fs.lstat(path)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            add(path, (st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return digest.hexdigest()
