"""Copies that hide Debian's modules, on real roots: root's ~/.local, login users' ~/.local.

Each test breaks a fresh overlay the way users do (pip install --user as root or as a login
user), asserts pyguard's whole finding list, runs pyguard's repairs and checks that Debian's
module is imported again.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

from . import realroot
from .realroot import RealRoot, assert_healed, doctor, version_of

RELEASES = realroot.CATALOG_ROOTS
# Versions whose Debian Depends a test breaks on purpose: python3-rich needs
# python3-pygments (>= 2.14.0) on both releases; bookworm's python3-setuptools needs
# python3-pkg-resources (= 66.1.1-1+deb12u2).
EXTRA_PINS = ("pygments==2.13.0", "setuptools==75.1.0")
EXTRA_WHEELS = Path("/var/cache/pyguard-test-wheels-shadowing")
MOVED = "move the shadowing copy aside (kept in /var/lib/pyguard/aside)"



def extra_wheels(root: RealRoot) -> str:
    wheels = realroot.download_wheels(version_of(root), pins=EXTRA_PINS, cache=EXTRA_WHEELS)
    return realroot.copy_wheels(root, wheels, "/root/extra-wheels")


def move_aside(label: str, paths: List[str], user: str = "root") -> str:
    """The move-aside step; a user's files are archived by her own tar (runuser)."""
    archive = f'"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)"'
    members = " ".join(p.lstrip("/") for p in paths)
    if user == "root":
        return f"mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf {archive} {members}"
    return (f"mkdir -p /var/lib/pyguard/aside && runuser -u {user} -- tar -C / --remove-files "
            f"-czf - {members} > {archive}")


def make_wheel(directory: Path, name: str, version: str, files: Dict[str, str]) -> Path:
    """A pure-Python wheel as any build backend writes it, with a valid RECORD."""
    info = f"{name}-{version}.dist-info"
    files = {**files,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: pyguard-tests\n"
                              "Root-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest())
        record.append(f"{path},sha256={digest.rstrip(b'=').decode()},{len(content.encode())}")
    record.append(f"{info}/RECORD,,")
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel



@pytest.mark.parametrize("release", RELEASES)
def test_pip_install_user_as_root_breaks_what_rich_declares(real_root, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    wheels = extra_wheels(root)
    root.run("python3 -m pip install --user --break-system-packages --no-index "
             f"--find-links {wheels} pygments==2.13.0")
    site = f"/root/.local/lib/python{v}/site-packages"
    paths = [f"{site}/Pygments-2.13.0.dist-info", f"{site}/pygments", "/root/.local/bin/pygmentize"]
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [{
        "rule": "shadowed-debian-module",
        "severity": "error",
        "title": f"Pygments 2.13.0 in {site} hides Debian's pygments",
        "detail": f"{site} comes before /usr/lib/python3/dist-packages on sys.path, so every Python "
                  "program run as root, Debian's tools included, imports pygments from Pygments "
                  "2.13.0 there instead of the version python3-pygments was built and tested with. "
                  "Debian packages that depend on it: python3-rich. pip's Pygments 2.13.0 breaks "
                  "python3-rich, which needs python3-pygments (>= 2.14.0).",
        "subject": f"{site}:Pygments",
        "paths": paths,
        "repair": [{"command": move_aside("Pygments-2.13.0", paths), "note": MOVED}],
    }]
    assert_healed(root, envelope, "python3 -c 'import pygments, rich.syntax; "
                  "assert pygments.__file__.startswith(\"/usr/lib/python3/dist-packages/\")'")


@pytest.mark.parametrize("release", RELEASES)
def test_pypi_gi_in_a_users_site_is_a_name_collision(real_root, release: str) -> None:
    """cogentcore/core#291: "pip install gi" kills the user's GNOME programs."""
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    make_wheel(root.host("/tmp/wheels"), "gi", "1.2", {"gi/__init__.py": '"""gi from PyPI."""\n'})
    as_alice = "runuser -u alice -- env HOME=/home/alice "
    root.run("useradd -m -s /bin/bash alice && chmod -R a+rX /tmp/wheels")
    root.run(as_alice + "python3 -m pip install --user --break-system-packages --no-index "
             "/tmp/wheels/gi-1.2-py3-none-any.whl")
    glib = as_alice + "python3 -c 'from gi.repository import GLib'"
    assert root.run(glib, check=False).returncode == 1
    site = f"/home/alice/.local/lib/python{v}/site-packages"
    paths = [f"{site}/gi-1.2.dist-info", f"{site}/gi"]
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [{
        "rule": "shadowed-debian-module-user",
        "severity": "warning",
        "title": f"gi 1.2 in alice's {site} hides Debian's gi",
        "detail": f"{site} comes before /usr/lib/python3/dist-packages on alice's sys.path, so every "
                  "Python program alice runs, Debian's desktop tools included, imports gi from gi "
                  "1.2 there instead of the version python3-gi was built and tested with. gi is "
                  "another project that happens to use the same name: Debian's gi comes from "
                  "PyGObject.",
        "subject": f"{site}:gi",
        "paths": paths,
        "repair": [{"command": move_aside("gi-1.2", paths, "alice"), "note": MOVED}],
    }]
    assert_healed(root, envelope, glib, "python3 -c 'from gi.repository import GLib'")


def test_setuptools_in_roots_site_breaks_the_pinned_pkg_resources(real_root) -> None:
    root = real_root("bookworm")
    wheels = extra_wheels(root)
    root.run("python3 -m pip install --user --break-system-packages --no-index "
             f"--find-links {wheels} setuptools==75.1.0")
    site = "/root/.local/lib/python3.11/site-packages"
    paths = [f"{site}/setuptools-75.1.0.dist-info", f"{site}/_distutils_hack",
             f"{site}/pkg_resources", f"{site}/setuptools", f"{site}/distutils-precedence.pth"]
    code, envelope = doctor(root)
    assert code == 2
    # startup-hook also names distutils-precedence.pth and leaves moving it to this repair
    assert [f["rule"] for f in envelope["findings"]] == ["shadowed-debian-module", "startup-hook"]
    assert envelope["findings"][0] == {
        "rule": "shadowed-debian-module",
        "severity": "error",
        "title": f"setuptools 75.1.0 in {site} hides Debian's _distutils_hack, pkg_resources, "
                 "setuptools",
        "detail": f"{site} comes before /usr/lib/python3/dist-packages on sys.path, so every Python "
                  "program run as root, Debian's tools included, imports _distutils_hack, "
                  "pkg_resources, setuptools from setuptools 75.1.0 there instead of the version "
                  "python3-pkg-resources, python3-setuptools was built and tested with. Debian "
                  "packages that depend on it: python3-chardet, python3-pip, python3-pygments. "
                  "pip's setuptools 75.1.0 breaks python3-setuptools, which needs "
                  "python3-pkg-resources (= 66.1.1-1+deb12u2).",
        "subject": f"{site}:setuptools",
        "paths": paths,
        "repair": [{"command": move_aside("setuptools-75.1.0", paths), "note": MOVED}],
    }
    assert_healed(root, envelope,
                  "python3 -c 'import pkg_resources, setuptools; "
                  "assert pkg_resources.__file__.startswith(\"/usr/lib/python3/dist-packages/\"); "
                  "assert setuptools.__version__ == \"66.1.1\"'")
