"""Tests of the system-test machinery itself: if overlays leak or mounts linger, every system
test built on them proves nothing (or damages the cache other tests rely on)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from . import realroot
from .realroot import RealRoot

DEFAULT_PYTHON = {"bookworm": "python3.11", "trixie": "python3.13"}


def test_root_key_changes_with_the_recipe() -> None:
    key = realroot.root_key("bookworm")
    assert key.startswith("bookworm-") and len(key) == len("bookworm-") + 12
    assert realroot.root_key("bookworm", realroot.PACKAGES[::-1]) == key  # order is not recipe
    assert realroot.root_key("bookworm", (*realroot.PACKAGES, "vim")) != key
    assert realroot.root_key("bookworm", options=("--variant=minbase",)) != key
    assert realroot.root_key("trixie") == "trixie-" + key.split("-", 1)[1]


def test_mmdebstrap_command() -> None:
    assert realroot.mmdebstrap_command("trixie", Path("/x")) == [
        "mmdebstrap", "--variant=minbase", "--skip=cleanup/apt/lists",
        "--skip=cleanup/apt/cache", "--chrooted-customize-hook=apt-cache gencaches",
        "--include=" + ",".join(realroot.PACKAGES),
        "trixie", "/x", "http://deb.debian.org/debian",
    ]


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_fresh_overlay_is_pristine(real_root: Callable[[str], RealRoot], release: str) -> None:
    root = real_root(release)
    assert os.listdir(root.upper) == []
    assert realroot.default_python(root) == DEFAULT_PYTHON[release]
    assert os.readlink(root.host("/usr/bin/python3")) == DEFAULT_PYTHON[release]
    assert root.host(f"/usr/lib/{DEFAULT_PYTHON[release]}/EXTERNALLY-MANAGED").is_file()
    out = root.run("python3 -c 'import apt_pkg, sys; print(sys.executable, apt_pkg.__file__)'")
    exe, apt_pkg_file = out.stdout.split()
    assert exe == "/usr/bin/python3"
    assert apt_pkg_file.startswith("/usr/lib/python3/dist-packages/apt_pkg.cpython-")
    assert root.run("dpkg --audit").stdout == ""
    root.run("apt-cache policy python3")  # the root's apt takes the cache the build left
    assert sorted(p.name for p in (root.upper / "var/cache/apt").glob("*.bin")) == []


def test_run_has_a_clean_environment(real_root: Callable[[str], RealRoot]) -> None:
    root = real_root("bookworm")
    env = dict(
        line.split("=", 1) for line in root.run("env").stdout.splitlines() if "=" in line
    )
    env.pop("PWD", None)  # the shell adds it
    env.pop("OLDPWD", None)
    assert env == realroot.CHROOT_ENV
    # stdin is closed: cat ends at once instead of waiting for the terminal
    done = root.run("cat; echo rc=$?", timeout=20)
    assert done.stdout == "rc=0\n"
    failed = root.run("echo out; echo err >&2; exit 3", check=False)
    assert (failed.returncode, failed.stdout, failed.stderr) == (3, "out\n", "err\n")
    with pytest.raises(AssertionError, match="command exited 3: exit 3"):
        root.run("exit 3")


def test_writes_do_not_leak(
    real_root: Callable[[str], RealRoot], cached_roots: Callable[[str], Path]
) -> None:
    one, two = real_root("bookworm"), real_root("bookworm")
    marker = one.write("/etc/pyguard-marker", "one\n", mode=0o600)
    assert marker.read_text() == "one\n"
    assert marker.stat().st_mode & 0o777 == 0o600
    one.run("rm /usr/lib/python3.11/EXTERNALLY-MANAGED")
    assert one.run("cat /etc/pyguard-marker").stdout == "one\n"
    assert not one.host("/usr/lib/python3.11/EXTERNALLY-MANAGED").exists()

    lower = cached_roots("bookworm")
    for other in (two.path, lower):
        assert not (other / "etc/pyguard-marker").exists()
        assert (other / "usr/lib/python3.11/EXTERNALLY-MANAGED").is_file()
    assert sorted(os.listdir(one.upper)) == ["etc", "usr"]
    assert os.listdir(two.upper) == []


def test_write_refuses_to_follow_links_out_of_the_root(
    real_root: Callable[[str], RealRoot]
) -> None:
    root = real_root("bookworm")
    root.run("ln -s /etc /root/hostile && ln -s /etc/hostname /root/file-link")
    with pytest.raises(ValueError, match="outside the root"):
        root.write("/root/hostile/pyguard-escape", "x")
    with pytest.raises(OSError):
        root.write("/root/file-link", "x")
    assert not Path("/etc/pyguard-escape").exists()


@pytest.mark.parametrize("fail", [False, True])
def test_nothing_stays_mounted(fail: bool) -> None:
    with pytest.raises(RuntimeError, match="boom") if fail else _no_error():
        with realroot.overlay("bookworm") as root:
            tmp = root.path.parent
            assert realroot.mounts_under(str(tmp)) == [
                str(root.path), str(root.path / "proc"), str(root.path / "dev/pts"),
            ]
            if fail:
                raise RuntimeError("boom")
    assert realroot.mounts_under(str(tmp)) == []
    assert not tmp.exists()


def test_busy_mount_is_detached_lazily() -> None:
    with realroot.overlay("bookworm") as root:
        tmp = root.path.parent
        sleeper = subprocess.Popen(["chroot", str(root.path), "sleep", "30"],
                                   stdin=subprocess.DEVNULL)
    try:
        assert realroot.mounts_under(str(tmp)) == []
        assert not tmp.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_pinned_wheels_install_offline(
    real_root: Callable[[str], RealRoot], pinned_wheels: Callable[[RealRoot], str],
    release: str,
) -> None:
    root = real_root(release)
    where = pinned_wheels(root)
    assert where == "/root/wheels"
    names = sorted(p.name.split("-")[0] for p in root.host(where).glob("*.whl"))
    assert names == ["attrs", "certifi", "charset_normalizer", "idna", "requests", "six",
                     "urllib3"]
    root.run("python3 -m venv /root/venv && /root/venv/bin/pip install -q --no-index "
             "--find-links /root/wheels requests==2.32.3 urllib3==2.2.3 idna==3.10 "
             "certifi==2024.8.30 charset-normalizer==3.4.0")
    out = root.run("/root/venv/bin/python -c 'import requests, charset_normalizer as c; "
                   "print(requests.__version__, c.__version__)'")
    assert out.stdout == "2.32.3 3.4.0\n"


class _no_error:
    """Context manager that expects nothing to be raised (pytest has no built-in for this)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False
