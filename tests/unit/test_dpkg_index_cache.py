"""dpkg's ownership index after a dpkg change: rebuilt from the lines each file list gave last
time, reading only the lists dpkg rewrote, and never different from an index built afresh."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest

from fakeroot import FakeRoot
from pyguard import journal
from pyguard.facts import dpkg as dpkg_module
from pyguard.facts.dpkg import DpkgDatabase
from pyguard.rootfs import RootFS

DIST = "/usr/lib/python3/dist-packages"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory; fake roots cached as if they were the running system."""
    path = tmp_path / "cache"
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(path))
    monkeypatch.setattr(dpkg_module, "caching", lambda fs: True)
    monkeypatch.setattr(journal, "RACY_NS", 0)  # the fake root's files are seconds old
    return path


@pytest.fixture
def lists_read(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The packages whose file lists each index build reads."""
    read: List[str] = []
    original = DpkgDatabase._read_lists

    def recording(self, packages):
        for name, data in original(self, packages):
            read.append(name)
            yield name, data

    monkeypatch.setattr(DpkgDatabase, "_read_lists", recording)
    return read


def index(root: FakeRoot, needles=("python", "pip")):
    dpkg = DpkgDatabase(RootFS(str(root)))
    return dpkg._cached_index("dpkg-python-owners" if needles else "dpkg-owners", needles)


def fresh_index(root: FakeRoot, needles=("python", "pip")):
    return DpkgDatabase(RootFS(str(root)))._build_index(needles)[0]


def test_after_an_install_only_the_new_list_is_read(fake_root, cache_dir, lists_read):
    first = index(fake_root)
    assert first == fresh_index(fake_root)
    lists_read.clear()
    fake_root.install("python3-idna", {f"{DIST}/idna/__init__.py": ""})
    second = index(fake_root)
    assert lists_read == ["python3-idna"]
    assert second == fresh_index(fake_root)
    assert second[f"{DIST}/idna/__init__.py"] == "python3-idna"


def test_an_unchanged_database_reads_no_list(fake_root, cache_dir, lists_read):
    first = index(fake_root)
    lists_read.clear()
    assert (index(fake_root), lists_read) == (first, [])


def test_a_list_rewritten_in_place_with_its_mtime_put_back_is_read_again(
        fake_root, cache_dir, lists_read):
    index(fake_root)
    listed = fake_root.host("/var/lib/dpkg/info/python3-six.list")
    before = listed.stat()
    listed.write_text(listed.read_text().replace("six.py", "s1x.py"))  # the same size
    os.utime(listed, ns=(before.st_atime_ns, before.st_mtime_ns))  # only its ctime tells
    fake_root.set_status("python3-six", "install ok installed")  # dpkg's key changes too
    lists_read.clear()
    after = index(fake_root)
    assert lists_read == ["python3-six"]
    assert after == fresh_index(fake_root)
    assert (f"{DIST}/six.py" in after, after[f"{DIST}/s1x.py"]) == (False, "python3-six")


def test_a_removed_package_leaves_the_index(fake_root, cache_dir, lists_read):
    index(fake_root)
    fake_root.purge("python3-six")
    lists_read.clear()
    after = index(fake_root)
    assert lists_read == []
    assert after == fresh_index(fake_root)
    assert f"{DIST}/six.py" not in after


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\xe3" + bytes(40)])
def test_a_damaged_lines_cache_means_every_list_read_again(fake_root, cache_dir, lists_read,
                                                           damage):
    everything = index(fake_root, ())
    (lines,) = cache_dir.glob("dpkg-owners-lists-*")
    lines.write_bytes(damage)
    fake_root.set_status("python3-six", "install ok installed")
    lists_read.clear()
    rebuilt = index(fake_root, ())
    read = sorted(lists_read)
    assert rebuilt == everything == fresh_index(fake_root, ())
    assert read == sorted(n for n, _ in
                                        DpkgDatabase(RootFS(str(fake_root)))._indexed_info_names())


def test_a_list_changed_within_a_clock_tick_is_not_kept(fake_root, cache_dir, lists_read,
                                                        monkeypatch):
    monkeypatch.setattr(journal, "RACY_NS", 10**18)  # every list looks just changed
    index(fake_root)
    fake_root.set_status("python3-six", "install ok installed")
    lists_read.clear()
    index(fake_root)
    assert sorted(lists_read) == sorted(n for n, _ in
                                        DpkgDatabase(RootFS(str(fake_root)))._indexed_info_names())


def test_a_rescue_root_keeps_nothing(fake_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    assert index(fake_root) == fresh_index(fake_root)
    assert not (tmp_path / "cache").exists()
