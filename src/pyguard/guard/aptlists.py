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

LISTS = "var/lib/apt/lists"
SUFFIXES = ("", ".gz", ".lz4", ".xz", ".zst", ".bz2")
APT_HELPER = "/usr/lib/apt/apt-helper"
CHUNK = 1 << 20


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
    if path.endswith(".gz"):
        import zlib
        return _inflated(path, zlib.decompressobj(16 + zlib.MAX_WBITS))
    if path.endswith(".xz"):
        import lzma
        return _inflated(path, lzma.LZMADecompressor())
    if path.endswith(".bz2"):
        import bz2
        return _inflated(path, bz2.BZ2Decompressor())
    if path.endswith((".lz4", ".zst")):
        try:
            if path.endswith(".lz4"):
                import lz4.frame  # type: ignore
                return _inflated(path, lz4.frame.LZ4FrameDecompressor())
            import zstandard  # type: ignore
            return _inflated(path, zstandard.ZstdDecompressor().decompressobj())
        except ImportError:
            return _piped(path)
    return _inflated(path, None)


def _inflated(path: str, decompressor) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while True:
            raw = f.read(CHUNK)
            if not raw:
                return
            yield decompressor.decompress(raw) if decompressor is not None else raw


def _piped(path: str) -> Iterator[bytes]:
    """lz4 and zstd without a Python module: apt's own apt-helper, else the tool, decompressing
    on its own core while the chunks are read here."""
    tool = ["lz4", "-dc"] if path.endswith(".lz4") else ["zstd", "-dc"]
    for command in ([APT_HELPER, "cat-file", path], [*tool, path]):
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
        except OSError:
            continue
        got = False
        try:
            while True:
                chunk = process.stdout.read1(CHUNK)  # type: ignore[union-attr]
                if not chunk:
                    break
                got = True
                yield chunk
        finally:
            process.stdout.close()  # type: ignore[union-attr]
            code = process.wait()
        if code == 0:
            return
        if got:
            raise OSError(f"{command[0]} failed on {path} (exit {code})")
    raise OSError(f"cannot decompress {path}: no lz4/zstd module, apt-helper or tool")
