"""The md5 cache of modified-debian-file: re-hash only what changed, never trust a bad cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fakeroot import FakeRoot
from pyguard import journal
from pyguard.facts import Facts
from pyguard.facts import verify
from pyguard.facts.verify import PackageFiles, Verification, gather_verification, read_conffiles
from pyguard.rootfs import RootFS

DIST = "/usr/lib/python3/dist-packages"
SIX = f"{DIST}/six.py"


def run(root: FakeRoot) -> Verification:
    return Facts(RootFS(str(root))).get(gather_verification)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory, and fake roots cached as if they were the running system."""
    path = tmp_path / "cache"
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(path))
    monkeypatch.setattr(verify, "caching", lambda fs: True)
    monkeypatch.setattr(journal, "RACY_NS", 0)  # the fake root's files are seconds old
    return path


def cache_files(path: Path):
    return sorted(p.name.split("-")[0] for p in path.glob("verify-*")) if path.exists() else []


def test_second_run_hashes_nothing_and_finds_the_same(fake_root, cache_dir):
    fake_root.remove(SIX)
    first = run(fake_root)
    assert first.hashed == first.files - 1  # every file but the missing one
    assert cache_files(cache_dir) == ["verify"]
    second = run(fake_root)
    assert second.hashed == 0
    assert second == Verification(first.packages, first.files, 0, first.broken)
    assert second.broken == (PackageFiles("python3-six", (SIX,), (), (), ()),)


def test_a_file_edited_in_place_with_its_mtime_put_back_is_hashed_again(fake_root, cache_dir):
    run(fake_root)
    host = fake_root.host(SIX)
    before = host.stat()
    host.write_bytes(host.read_bytes().replace(b"six", b"XXX"))  # same size
    os.utime(host, ns=(before.st_atime_ns, before.st_mtime_ns))  # only ctime tells
    result = run(fake_root)
    assert result.hashed == 1
    assert result.broken == (PackageFiles("python3-six", (), (SIX,), (), ()),)


def test_a_file_changed_just_before_the_run_is_hashed_again_the_next_time(fake_root, cache_dir,
                                                                          monkeypatch):
    """Changed within RACY_NS of the run, a file could change again in the same clock tick
    with the same timestamps: its md5 is not kept."""
    fake_root.write(SIX, "changed just now\n")
    monkeypatch.setattr(journal, "RACY_NS", 3600 * 10 ** 9)
    first = run(fake_root)
    monkeypatch.setattr(journal, "RACY_NS", 0)
    second = run(fake_root)
    assert (first.hashed, second.hashed) == (first.files, first.files)
    assert second.broken == first.broken == (PackageFiles("python3-six", (), (SIX,), (), ()),)
    assert run(fake_root).hashed == 0


def test_a_file_restored_is_fine_again(fake_root, cache_dir):
    text = fake_root.read(SIX)
    fake_root.write(SIX, "changed\n")
    assert run(fake_root).broken[0].changed == (SIX,)
    fake_root.write(SIX, text)
    result = run(fake_root)
    assert (result.hashed, result.broken) == (1, ())


@pytest.mark.parametrize("garbage", [b"", b"\x00not marshal at all", None])
def test_a_corrupt_cache_is_rebuilt(fake_root, cache_dir, garbage):
    run(fake_root)
    (path,) = cache_dir.glob("verify-*")
    if garbage is None:  # valid marshal, nonsense inside
        import marshal

        from pyguard import cache

        path.write_bytes(marshal.dumps((cache.FORMAT, verify.CACHE_KEY,
                                        (("k",), (("pkg", (("/x", 1, "no"),)),), {SIX: (1, 2)}))))
    else:
        path.write_bytes(garbage)
    fake_root.write(SIX, "changed\n")
    result = run(fake_root)
    assert result.hashed == result.files
    assert result.broken == (PackageFiles("python3-six", (), (SIX,), (), ()),)
    assert run(fake_root).hashed == 0  # and written anew


def test_a_cached_md5_of_another_file_state_is_not_used(fake_root, cache_dir):
    """An entry whose size, mtime, inode or ctime differs from the file's is ignored."""
    run(fake_root)
    fake_root.remove(SIX)
    fake_root.write(SIX, "a new file, with a new inode\n")
    result = run(fake_root)
    assert result.hashed == 1
    assert result.broken[0].changed == (SIX,)


def test_the_plan_is_rebuilt_when_dpkg_changes(fake_root, cache_dir):
    first = run(fake_root)
    fake_root.install("python3-yaml", files={f"{DIST}/yaml/__init__.py": "# yaml\n"})
    fake_root.remove(f"{DIST}/yaml/__init__.py")
    result = run(fake_root)
    assert "python3-yaml" in result.packages and "python3-yaml" not in first.packages
    assert result.broken == (PackageFiles("python3-yaml", (f"{DIST}/yaml/__init__.py",), (), (), ()),)


def test_a_rescue_root_writes_no_cache(fake_root, tmp_path, monkeypatch):
    """Only / is cached (verify.caching): examining --root DIR leaves no file behind."""
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    run(fake_root)
    result = run(fake_root)
    assert result.hashed == result.files
    assert cache_files(tmp_path / "cache") == []
    assert verify.caching(RootFS(str(fake_root))) is False
    assert verify.caching(RootFS("/")) is True


def test_large_files_are_hashed_by_the_workers_alike(fake_root, cache_dir, monkeypatch):
    """The workers take the large files, then share the small ones with the main thread."""
    monkeypatch.setattr(verify, "THREADS", 3)
    big = {f"{DIST}/big/m{i}.so": bytes([i]) * (verify.LARGE + i) for i in range(6)}
    small = {f"{DIST}/big/s{i}.py": b"#%d\n" % i for i in range(300)}
    fake_root.install("python3-big", files={**big, **small})
    fake_root.write(f"{DIST}/big/m2.so", b"\x00" * (verify.LARGE + 2))
    fake_root.write(f"{DIST}/big/s7.py", b"#edited\n")
    fake_root.remove(f"{DIST}/big/s250.py")
    result = run(fake_root)
    assert result.broken == (PackageFiles("python3-big", (f"{DIST}/big/s250.py",),
                                          (f"{DIST}/big/m2.so", f"{DIST}/big/s7.py"), (), ()),)
    again = run(fake_root)
    assert (again.broken, again.hashed) == (result.broken, 0)


def test_conffiles_are_read_as_python_debian_reads_them(tmp_path):
    root = FakeRoot.bookworm(tmp_path)
    root.install("python3-foo", conffiles={"/etc/foo.conf": "a\n", "/etc/foo/bar": "b\n"})
    root.install("libpython3.11-minimal", arch="i386", multi_arch="same", version="3.11.2-6+deb12u8",
                 conffiles={"/etc/python3.11/sitecustomize.py": "# i386\n"})
    facts = Facts(RootFS(str(root)))
    names = set(facts.dpkg.names())
    ours = read_conffiles(facts.fs, "/var/lib/dpkg", names, facts.dpkg.native_arch)
    theirs = {}
    for name in names:
        package = facts.dpkg.package(name)
        live = {c.path: c.md5 for c in package.conffiles if not c.obsolete}
        if live:
            theirs[name] = live
    assert ours == theirs
    assert set(ours) == {"libpython3.11-minimal", "python3-foo"}
