"""Compressed apt lists read as a stream: the tool a megabyte ahead, its failures told apart."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from fakeroot_upgrade import DEBIAN, bookworm_lists
from pyguard.facts.aptlists import Candidate, read_apt_lists
from pyguard import streaming
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


def test_without_the_tool_apt_helper_reads_our_descriptor_through_a_link_of_its_suffix(
        tmp_path, monkeypatch):
    """Debian's container images keep their lists as lz4 and have no lz4 tool: apt-helper
    (picking its decompressor by the name's suffix) gets a link named list.lz4 to
    /proc/self/fd/N, in a directory of our own that it reaches by a descriptor too and that is
    gone afterwards, and writes into the wide pipe too."""
    helper = tmp_path / "apt-helper"
    helper.write_text(f"#!/bin/sh\n{' '.join(PIPE_SIZE[:4])} \"{PIPE_SIZE[4]}\"\n"
                      "echo \"$2\"; /usr/bin/readlink \"$2\"; exec /bin/cat \"$2\"\n")
    helper.chmod(0o755)
    monkeypatch.setattr(streaming, "APT_HELPER", str(helper))
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    listed = tmp_path / "x_Packages.lz4"
    listed.write_bytes(b"lz4 bytes")
    text = guard_lists.read_list(str(listed)).decode()
    assert re.fullmatch(r"1048576\n\[\]\n/proc/self/fd/\d+/list\.lz4\n/proc/self/fd/\d+\n"
                        r"lz4 bytes", text), text
    assert list((tmp_path / "tmp").iterdir()) == []


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
@pytest.mark.parametrize("tools_on_path", [True, False])
def test_the_doctor_reads_lz4_and_zstd_lists_with_the_hosts_tool_or_apt_helper(
        fake_root, monkeypatch, tool, suffix, tools_on_path):
    """Hosts that set Acquire::GzipIndexes (Debian's container images do) keep their lists
    so; Debian's Python has no module for either. The host's tool reads them, else apt-helper
    (make debian-test-packages installs both tools, to write the lists here)."""
    assert shutil.which(tool), f"{tool} is one of the Makefile's DEBIAN_TEST_PACKAGES"
    path = bookworm_lists(fake_root)
    plain = fake_root.host(path)
    subprocess.run([tool, "-q", "--rm", str(plain), *(["-o"] if tool == "zstd" else []),
                    str(plain) + suffix], check=True)
    if not tools_on_path:
        monkeypatch.setenv("PATH", str(fake_root.path / "no-tools-here"))
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


def test_without_either_tool_the_list_is_noted(fake_root, monkeypatch):
    path = bookworm_lists(fake_root)
    plain = fake_root.host(path)
    subprocess.run(["lz4", "-q", "--rm", str(plain), str(plain) + ".lz4"], check=True)
    monkeypatch.setenv("PATH", str(fake_root.path / "no-tools-here"))
    monkeypatch.setattr(streaming, "APT_HELPER", "/nonexistent/apt-helper")
    fs = RootFS(str(fake_root))
    assert (read_apt_lists(fs, "amd64").python3, [(n.code, n.path, n.message) for n in fs.notes]) \
        == (None, [("unreadable", BOOKWORM + ".lz4", "cannot decompress: no lz4 to run (No such "
                    "file or directory); no /nonexistent/apt-helper to run (No such file or "
                    "directory)")])


def test_a_temp_dir_apt_helper_cannot_use_is_said(fake_root, monkeypatch):
    """A rescue system's /tmp may be full or read-only: the note says so, no traceback."""
    path = bookworm_lists(fake_root)
    plain = fake_root.host(path)
    subprocess.run(["lz4", "-q", "--rm", str(plain), str(plain) + ".lz4"], check=True)
    monkeypatch.setenv("PATH", str(fake_root.path / "no-tools-here"))
    monkeypatch.setattr(tempfile, "tempdir", str(fake_root.path / "no-such-tmp"))
    fs = RootFS(str(fake_root))
    assert (read_apt_lists(fs, "amd64").python3, [(n.code, n.path, n.message) for n in fs.notes]) \
        == (None, [("unreadable", BOOKWORM + ".lz4", "cannot decompress: no lz4 to run (No such "
                    "file or directory); no place for /usr/lib/apt/apt-helper's link in "
                    f"{fake_root.path}/no-such-tmp (No such file or directory)")])
