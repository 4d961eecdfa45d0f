"""Compressed apt lists as a stream of text, the decompressor running ahead on the other core.

Both readers of apt's lists (the doctor's, by RootFS's descriptor, and the pip guard's) read a
list from a descriptor: through Python's own decompressor where the suffix has one, else (lz4
and zstd: Debian's Python has no module for them) through this host's lz4 or zstd reading the
descriptor, else apt's own apt-helper. Debian's container images keep their lists as lz4
(Acquire::GzipIndexes) and have no lz4 tool; apt-helper is there wherever apt is.

A tool writes into a pipe of 64 KiB by default: while Python parses a megabyte, the tool stops
at 64 KiB and waits, and the two take turns instead of running side by side. The pipe is made
a megabyte wide before the tool starts (a refusal that reads bookworm's lz4 main list: 170 ms
-> 55-90 here).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from typing import IO, Iterator, Optional, Sequence, Union

CHUNK = 1 << 20
APT_HELPER = "/usr/lib/apt/apt-helper"
F_SETPIPE_SZ = 1031
"""fcntl's F_SETPIPE_SZ on Linux (fcntl names it from Python 3.10; bullseye's is 3.9)."""


class ToolMissing(OSError):
    """The tool could not be started."""


class ToolFailed(OSError):
    """The tool exited non-zero; `produced` says whether it had given any output first."""

    def __init__(self, message: str, produced: bool) -> None:
        super().__init__(message)
        self.produced = produced


def decompressed(fd: int, path: str) -> Iterator[bytes]:
    """The text of the list open at `fd` (named `path`), a megabyte at a time, decompressed as
    the name's suffix says. Corrupt for data its decompressor cannot read; ToolMissing or
    ToolFailed when neither tool could decompress an lz4 or zstd list."""
    decompressor = decompressor_for(path)
    if decompressor is not None or not path.endswith((".lz4", ".zst")):
        yield from chunks(fd, decompressor)
        return
    tried = []
    for tool_reading in (_by_tool, _by_apt_helper):
        try:
            yield from tool_reading(fd, path)
            return
        except ToolMissing as exc:
            tried.append(str(exc))
        except ToolFailed as exc:
            if exc.produced:  # half a list read: not to be mended by the next tool
                raise
            tried.append(str(exc))
    raise ToolMissing("; ".join(tried))


def _by_tool(fd: int, path: str) -> Iterator[bytes]:
    """This host's lz4 or zstd, reading the descriptor as its stdin."""
    return tool_output(("lz4", "-dc") if path.endswith(".lz4") else ("zstd", "-dc"), fd)


def _by_apt_helper(fd: int, path: str) -> Iterator[bytes]:
    """apt's own apt-helper. It picks the decompressor by the suffix of the name it opens, so
    it is given a link of that suffix to /proc/self/fd/N, and inherits N: it reads our
    descriptor, never a path of the examined root. The link lies in a directory of our own,
    which apt-helper reaches through an inherited descriptor of it too, not by its path."""
    import tempfile

    name = "list" + path[path.rindex("."):]
    try:
        directory = tempfile.mkdtemp(prefix="pyguard-list-")
    except OSError as exc:  # a full or read-only temp dir, as on a rescue system
        raise ToolMissing(f"no place for {APT_HELPER}'s link in {tempfile.gettempdir()} "
                          f"({exc.strerror or exc})") from None
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        st = os.fstat(dir_fd)
    except OSError as exc:
        raise ToolMissing(f"{directory} is gone ({exc.strerror or exc})") from None
    if st.st_uid != os.geteuid() or st.st_mode & 0o077:  # swapped in a TMPDIR others can write
        os.close(dir_fd)
        raise ToolMissing(f"{directory} is not the private directory made for {APT_HELPER}")
    try:
        try:
            os.symlink(f"/proc/self/fd/{fd}", name, dir_fd=dir_fd)
        except OSError as exc:
            raise ToolMissing(f"no place for {APT_HELPER}'s link in {directory} "
                              f"({exc.strerror or exc})") from None
        yield from tool_output((APT_HELPER, "cat-file", f"/proc/self/fd/{dir_fd}/{name}"),
                               subprocess.DEVNULL, (fd, dir_fd))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=dir_fd)
        os.close(dir_fd)
        with contextlib.suppress(OSError):
            os.rmdir(directory)


def decompressor_for(path: str) -> Optional[object]:
    """Python's decompressor for the list's suffix: None for a plain list, or for lz4 and zstd
    without their module. Its errors come out of `chunks` as Corrupt."""
    if path.endswith(".gz"):
        import zlib
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if path.endswith(".xz"):
        import lzma
        return lzma.LZMADecompressor()
    if path.endswith(".bz2"):
        import bz2
        return bz2.BZ2Decompressor()
    try:
        if path.endswith(".lz4"):
            import lz4.frame  # type: ignore
            return lz4.frame.LZ4FrameDecompressor()
        if path.endswith(".zst"):
            import zstandard  # type: ignore
            return zstandard.ZstdDecompressor().decompressobj()
    except ImportError:
        pass
    return None


class Corrupt(ValueError):
    """What a decompressor said of data it could not read (each has its own error class:
    zlib.error, LZMAError, OSError)."""


def chunks(fd: int, decompressor: Optional[object]) -> Iterator[bytes]:
    """A descriptor's bytes a megabyte at a time, decompressed when a decompressor is given."""
    while True:
        raw = os.read(fd, CHUNK)
        if not raw:
            if not getattr(decompressor, "eof", True):
                raise Corrupt("cannot decompress: the file ends before its compressed data does")
            return
        if decompressor is None:
            yield raw
            continue
        try:
            data = decompressor.decompress(raw)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - a corrupt list, whichever decompressor
            raise Corrupt(f"cannot decompress: {exc}") from None
        yield data


def tool_output(command: Sequence[str], stdin: Union[int, IO, None],
                pass_fds: Sequence[int] = ()) -> Iterator[bytes]:
    """What `command` writes, as it comes, through a pipe a megabyte wide. ToolMissing when it
    cannot start, ToolFailed (with its stderr) when it exits non-zero."""
    read_end, write_end = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(write_end, F_SETPIPE_SZ, CHUNK)
    except OSError:  # Linux only, and only up to /proc/sys/fs/pipe-max-size
        pass
    try:
        process = subprocess.Popen(command, stdin=stdin, stdout=write_end,
                                   stderr=subprocess.PIPE, pass_fds=pass_fds)
    except OSError as exc:
        os.close(read_end)
        raise ToolMissing(f"no {command[0]} to run ({exc.strerror or exc})") from None
    finally:
        os.close(write_end)
    produced = False
    try:
        for chunk in chunks(read_end, None):
            produced = True
            yield chunk
    finally:
        os.close(read_end)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        error = process.stderr.read().decode("utf-8", "replace").strip()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
    if process.returncode != 0:
        raise ToolFailed(f"{command[0]} failed (exit {process.returncode}): {error}", produced)
