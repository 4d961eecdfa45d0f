"""Compressed apt lists read as a stream: the tool a megabyte ahead, its failures told apart."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from fakeroot_upgrade import DEBIAN, bookworm_lists
from pyguard.facts.aptlists import Candidate, read_apt_lists
from pyguard.guard import aptlists as guard_lists
from pyguard.rootfs import RootFS
from pyguard.streaming import Corrupt, ToolFailed, ToolMissing, chunks, tool_output

PIPE_SIZE = ["/usr/bin/python3", "-I", "-S", "-c",
             "import fcntl, sys; print(fcntl.fcntl(1, 1032)); print(sys.argv[1:])"]
"""A tool that says how wide its stdout's pipe is (F_GETPIPE_SZ), and what it was given."""
BOOKWORM = f"/var/lib/apt/lists/{DEBIAN}_dists_bookworm_main_binary-amd64_Packages"


def test_the_pipe_is_a_megabyte_wide_before_the_tool_starts():
    """At 64 KiB (a pipe's default) the tool waits while Python parses and the two take turns."""
    assert b"".join(tool_output(PIPE_SIZE, subprocess.DEVNULL)) == b"1048576\n[]\n"


def test_the_guards_apt_helper_writes_into_the_wide_pipe_too(tmp_path, monkeypatch):
    helper = tmp_path / "apt-helper"
    helper.write_text(f"#!/bin/sh\nexec {' '.join(PIPE_SIZE[:4])} \"{PIPE_SIZE[4]}\" \"$@\"\n")
    helper.chmod(0o755)
    monkeypatch.setattr(guard_lists, "APT_HELPER", str(helper))
    assert guard_lists.read_list("/x_Packages.lz4") == b"1048576\n['cat-file', '/x_Packages.lz4']\n"


def test_a_tool_that_fails_is_told_from_one_that_is_missing():
    got = []
    with pytest.raises(ToolFailed) as failed:
        for chunk in tool_output(["/bin/sh", "-c", "echo half; echo broken >&2; exit 3"],
                                 subprocess.DEVNULL):
            got.append(chunk)
    assert (got, str(failed.value), failed.value.produced) == (
        [b"half\n"], "/bin/sh failed (exit 3): broken", True)
    with pytest.raises(ToolMissing, match="^no /nonexistent/lz4 to run"):
        list(tool_output(["/nonexistent/lz4", "-dc"], subprocess.DEVNULL))


def test_a_corrupt_list_is_corrupt_whichever_decompressor_said_it(tmp_path):
    path = tmp_path / "x_Packages.gz"
    path.write_bytes(b"not gzip at all")
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(Corrupt, match="^cannot decompress: Error -3 while decompressing"):
            list(chunks(fd, zlib.decompressobj(16 + zlib.MAX_WBITS)))
    finally:
        os.close(fd)


@pytest.mark.parametrize("tool,suffix", [("lz4", ".lz4"), ("zstd", ".zst")])
def test_the_doctor_reads_lz4_and_zstd_lists_with_the_hosts_tool(fake_root, tool, suffix):
    """Ubuntu's images and hosts that set Acquire::GzipIndexes keep their lists so; Debian's
    Python has no module for either (make debian-test-packages installs both tools)."""
    assert shutil.which(tool), f"{tool} is one of the Makefile's DEBIAN_TEST_PACKAGES"
    path = bookworm_lists(fake_root)
    plain = fake_root.host(path)
    subprocess.run([tool, "-q", "--rm", str(plain), *(["-o"] if tool == "zstd" else []),
                    str(plain) + suffix], check=True)
    fs = RootFS(str(fake_root))
    assert (read_apt_lists(fs, "amd64").python3, fs.notes) == (
        Candidate("3.11.2-1+b1", "3.11", "bookworm", BOOKWORM + suffix), [])


GZ_BOOKWORM = Candidate("3.11.2-1+b1", "3.11", "bookworm", BOOKWORM + ".gz")


@pytest.mark.parametrize("damage,message,python3", [
    (lambda data: data[:10] + b"\xff" * 20, "Error -3 while decompressing data: invalid block type",
     None),
    # what came before the cut is read, and the note says the list was cut
    (lambda data: data[:-8], "the file ends before its compressed data does", GZ_BOOKWORM),
])
def test_a_corrupt_or_cut_list_is_noted_not_a_crash(fake_root, damage, message, python3):
    path = bookworm_lists(fake_root)
    fake_root.write(path + ".gz", damage(gzip.compress(fake_root.host(path).read_bytes())))
    fake_root.remove(path)
    fs = RootFS(str(fake_root))
    lists = read_apt_lists(fs, "amd64")
    assert (lists.python3, [(n.code, n.path, n.message) for n in fs.notes]) == (
        python3, [("unreadable", BOOKWORM + ".gz", f"cannot decompress: {message}")])
