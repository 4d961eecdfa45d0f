"""The mounts fix makes for --root: onto descriptors, never onto a path a link could redirect."""

import os
import shutil

import pytest

from pyguard.fix import chroot
from pyguard.fix.chroot import Mount, MountError, mounted, planned_mounts

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"),
                                reason="mounting needs root")


def mounts_below(path) -> list:
    return sorted(p for p in chroot.mountpoints() if p == str(path) or p.startswith(f"{path}/"))


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    for d in ("proc", "sys", "dev/pts", "etc", "outside"):
        (r / d).mkdir(parents=True)
    (r / "etc/resolv.conf").write_text("nameserver 192.0.2.1\n")
    (tmp_path / "outside").mkdir()
    return r


def test_everything_is_mounted_through_descriptors_and_unmounted_after(root):
    plan = planned_mounts(str(root))
    with mounted(str(root), plan) as done:
        inside = (mounts_below(root), os.path.isdir(root / "proc/self"),
                  (root / "etc/resolv.conf").read_text() == open("/etc/resolv.conf").read())
        with pytest.raises(OSError):
            with open(root / "etc/resolv.conf", "a") as f:  # bound read-only
                f.write("x")
    expected = [str(root / p) for p in ("dev", "dev/pts", "etc/resolv.conf", "proc", "sys")]
    assert ([m.target for m in plan], done, inside, mounts_below(root)) == (
        [str(root / p) for p in ("proc", "sys", "dev", "dev/pts", "etc/resolv.conf")],
        [m.target for m in plan], (expected, True, True), [])


def test_a_linked_mount_point_is_not_planned(root, tmp_path):
    (root / "sys").rmdir()
    (root / "sys").symlink_to(str(tmp_path / "outside"))
    (root / "proc").rmdir()
    (root / "proc").symlink_to("/proc")
    assert [m.target for m in planned_mounts(str(root)) if not m.is_file] == [
        str(root / "dev"), str(root / "dev/pts")]


def test_a_mount_point_swapped_for_a_link_after_planning_is_refused(root, tmp_path):
    plan = [m for m in planned_mounts(str(root)) if m.inside == "/proc"]
    os.rename(root / "proc", root / "proc.real")
    (root / "proc").symlink_to(str(tmp_path / "outside"))
    with pytest.raises(MountError):
        with mounted(str(root), plan):
            pass
    assert (mounts_below(tmp_path), os.listdir(tmp_path / "outside")) == ([], [])


def test_a_parent_swapped_after_planning_is_refused_too(root, tmp_path):
    (tmp_path / "outside/pts").mkdir()
    plan = [Mount(str(root / "dev/pts"), ["--bind", "/dev/pts"], "/dev/pts")]
    os.rename(root / "dev", root / "dev.real")
    (root / "dev").symlink_to(str(tmp_path / "outside"))
    with pytest.raises(MountError):
        with mounted(str(root), plan):
            pass
    assert mounts_below(tmp_path) == []
