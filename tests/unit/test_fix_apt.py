"""What apt steps put at risk: apt's plan read from `apt-get -s`, and the files a .deb would
overwrite compared on a fake root (the .deb built here with dpkg-deb)."""

import os
import shutil
import subprocess

import pytest

from pyguard.fix import apt
from pyguard.fix.chroot import Ran

SIMULATED = """\
NOTE: This is only a simulation!
Reading package lists...
Inst python3-six [1.16.0-4] (1.16.0-4 Debian:12.8/stable [all])
Inst libpython3.11-stdlib:amd64 [3.11.2-6] (3.11.2-6+deb12u8 Debian:12.8/stable [amd64]) []
Inst python3-venv (3.11.2-1+b1 Debian:12.8/stable [amd64])
Remv python3-old [1.0]
Conf python3-six (1.16.0-4 Debian:12.8/stable [all])
"""


def test_apts_plan_is_read_from_its_simulation(monkeypatch):
    monkeypatch.setattr(apt, "run", lambda root, command: Ran(command, 0, 0.1, SIMULATED))
    changes = apt.simulate("/", ("apt-get", "install", "--reinstall", "-y", "python3-six"))
    assert changes == apt.Changes(
        unpack=(apt.Unpack("python3-six", "1.16.0-4", "all", "1.16.0-4"),
                apt.Unpack("libpython3.11-stdlib", "3.11.2-6+deb12u8", "amd64", "3.11.2-6"),
                apt.Unpack("python3-venv", "3.11.2-1+b1", "amd64", "")),
        remove=("python3-old",))
    assert changes.unpack[1].deb == \
        "/var/cache/apt/archives/libpython3.11-stdlib_3.11.2-6+deb12u8_amd64.deb"


def test_a_reinstall_apt_cannot_download_is_unavailable_although_apt_exits_0(monkeypatch):
    said = "Reinstallation of python3-six is not possible, it cannot be downloaded.\n"
    monkeypatch.setattr(apt, "run", lambda root, command: Ran(command, 0, 0.1, said))
    assert apt.check_available("/", ("apt-get", "install", "--reinstall", "-y", "python3-six")) \
        == said.strip()


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a .deb")
def test_files_the_deb_would_change_or_drop_are_at_risk_and_identical_ones_are_not(tmp_path):
    build = tmp_path / "build"
    for path, content in (("usr/lib/python3/dist-packages/six.py", "shipped\n"),
                          ("usr/lib/python3/dist-packages/same.py", "same\n"),
                          ("usr/share/doc/python3-six/README", "doc\n")):
        (build / path).parent.mkdir(parents=True, exist_ok=True)
        (build / path).write_text(content)
    os.symlink("six.py", build / "usr/lib/python3/dist-packages/link.py")
    (build / "DEBIAN").mkdir()
    (build / "DEBIAN/control").write_text(
        "Package: python3-six\nVersion: 2.0\nArchitecture: all\nMaintainer: t <t@t>\n"
        "Description: t\n")
    root = tmp_path / "root"
    archives = root / "var/cache/apt/archives"
    archives.mkdir(parents=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(build),
                    str(archives / "python3-six_2.0_all.deb")], check=True, capture_output=True)
    site = root / "usr/lib/python3/dist-packages"
    site.mkdir(parents=True)
    (site / "six.py").write_text("edited locally\n")
    (site / "same.py").write_text("same\n")
    os.symlink("same.py", site / "link.py")  # the package's link says six.py
    (site / "gone.py").write_text("only in the old version\n")
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "python3-six.list").write_text(
        "/.\n/usr\n/usr/lib/python3/dist-packages\n/usr/lib/python3/dist-packages/six.py\n"
        "/usr/lib/python3/dist-packages/same.py\n/usr/lib/python3/dist-packages/gone.py\n")
    changes = apt.Changes((apt.Unpack("python3-six", "2.0", "all", "1.0"),), ())
    assert apt.at_risk(str(root), changes) == [
        "/usr/lib/python3/dist-packages/six.py",   # a local edit the reinstall overwrites
        "/usr/lib/python3/dist-packages/link.py",  # a link pointing elsewhere
        "/usr/lib/python3/dist-packages/gone.py",  # the new version no longer ships it
    ]
