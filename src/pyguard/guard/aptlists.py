"""apt's package lists as this host keeps them: which there are, and their text as a stream.

/var/lib/apt/lists/*_Packages, plain or compressed as apt was told to keep them (.gz, .lz4, .xz,
.zst, .bz2). lz4 and zstd are decompressed by apt's own apt-helper (or the tool) on the other
core while the text is read here, a megabyte at a time.
"""

from __future__ import annotations

import glob
import os
import subprocess
from typing import Iterator, List, Optional, Tuple

from ..streaming import (CHUNK, ToolFailed, ToolMissing, chunks, decompressor_for, needs_tool,
                         tool_for, tool_output)

LISTS = "var/lib/apt/lists"
SUFFIXES = ("", ".gz", ".lz4", ".xz", ".zst", ".bz2")
APT_HELPER = "/usr/lib/apt/apt-helper"


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
    decompressor = decompressor_for(path)
    if needs_tool(path, decompressor):
        return _piped(path)
    return _read(path, decompressor)


def _read(path: str, decompressor: Optional[object]) -> Iterator[bytes]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        yield from chunks(fd, decompressor)
    finally:
        os.close(fd)


def _piped(path: str) -> Iterator[bytes]:
    """lz4 and zstd: apt's own apt-helper (always there where apt keeps its lists so), else
    the tool, decompressing on its own core while the chunks are read here."""
    for command in ([APT_HELPER, "cat-file", path], [*tool_for(path), path]):
        try:
            yield from tool_output(command, subprocess.DEVNULL)
            return
        except ToolMissing:
            continue
        except ToolFailed as exc:
            if exc.produced:  # half a list read: not to be mended by the next tool
                raise OSError(f"{exc} on {path}") from None
    raise OSError(f"cannot decompress {path}: no lz4/zstd module, apt-helper or tool")
