"""apt's package lists as this host keeps them: which there are, and their text as a stream.

/var/lib/apt/lists/*_Packages, plain or compressed as apt was told to keep them (.gz, .lz4, .xz,
.zst, .bz2). lz4 and zstd are decompressed by this host's tool (or apt's own apt-helper) on
the other core while the text is read here, a megabyte at a time (pyguard.streaming).
"""

from __future__ import annotations

import glob
import os
from typing import Iterator, List, Optional, Tuple

from ..streaming import CHUNK, decompressed

LISTS = "var/lib/apt/lists"
SUFFIXES = ("", ".gz", ".lz4", ".xz", ".zst", ".bz2")


def list_files(root: str = "/") -> List[str]:
    directory = os.path.join(root, LISTS)
    found = []
    for suffix in SUFFIXES:
        found += glob.glob(os.path.join(glob.escape(directory), "*_Packages" + suffix))
    return sorted(found)


def list_stamp(path: str) -> Optional[Tuple]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (os.path.basename(path), st.st_size, st.st_mtime_ns, st.st_ino)


def read_list(path: str) -> bytes:
    """A Packages file's text, decompressed as its suffix says."""
    return b"".join(stream_list(path))


def stream_list(path: str) -> Iterator[bytes]:
    """A Packages file's text in chunks, decompressed as its suffix says, as it comes."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        yield from decompressed(fd, path)
    finally:
        os.close(fd)
