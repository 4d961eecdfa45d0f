"""upgrade-dropped-package: Debian packages with Python modules the next release no longer has."""

from fakeroot_upgrade import jammy, noble_lists, trixie_lists

LIB2TO3 = {"/usr/lib/python3.11/lib2to3/__init__.py": "", "/usr/lib/python3.11/lib2to3/main.py": ""}
DISTUTILS = {"/usr/lib/python3.11/distutils/__init__.py": "",
             "/usr/lib/python3.11/distutils/core.py": ""}


def dropped(package, modules, why, release="Debian 13 (trixie)", repair=()):
    return {
        "rule": "upgrade-dropped-package",
        "severity": "warning",
        "title": f"{package} is gone in {release}: {modules}",
        "detail": f"{release} no longer has {package} (its apt lists have no such package): {why}.",
        "subject": package,
        "paths": [f"/var/lib/dpkg/info/{package}.list"],
        "repair": list(repair),
    }


def test_lib2to3_goes_and_distutils_is_taken_over_by_setuptools(fake_root, doctor):
    fake_root.install("python3-lib2to3", arch="all", version="3.11.2-3",
                      depends="python3:any (>= 3.10.8-0~), python3:any (<< 3.12)", files=LIB2TO3)
    fake_root.install("python3-distutils", arch="all", version="3.11.2-3",
                      depends="python3:any (>= 3.10.8-0~), python3:any (<< 3.12), "
                              "python3-lib2to3 (= 3.11.2-3)", files=DISTUTILS)
    fake_root.install("python3-setuptools", arch="all", version="66.1.1-1+deb12u2",
                      files={"/usr/lib/python3/dist-packages/setuptools/__init__.py": ""})
    fake_root.install("python3-oldlib", arch="all", version="1.0-1", depends="python3:any",
                      files={"/usr/lib/python3/dist-packages/oldlib.py": ""})
    trixie_lists(fake_root)
    assert doctor(fake_root) == [
        dropped("python3-lib2to3", "lib2to3",
                "apt removes it at the upgrade (it needs python3:any (<< 3.12)); Python 3.13 does "
                "not look in /usr/lib/python3.11, so import lib2to3 fails"),
        dropped("python3-oldlib", "oldlib",
                "it stays installed without updates; nobody has tested `import oldlib` with "
                "Python 3.13"),
    ]


def test_without_setuptools_distutils_goes_and_its_successor_is_named(fake_root, doctor):
    fake_root.install("python3-distutils", arch="all", version="3.11.2-3",
                      depends="python3:any (<< 3.12)", files=DISTUTILS)
    trixie_lists(fake_root)
    assert doctor(fake_root) == [dropped(
        "python3-distutils", "distutils",
        "apt removes it at the upgrade (it needs python3:any (<< 3.12)); Python 3.13 does not "
        "look in /usr/lib/python3.11, so import distutils fails",
        repair=[("apt-get install -y python3-setuptools",
                 "python3-setuptools provides distutils in Debian 13 (trixie)")])]


def test_ubuntu_noble_has_no_python3_distutils(tmp_path, doctor):
    root = jammy(tmp_path / "root")
    assert doctor(root, only=["upgrade-dropped-package"]) == []
    noble_lists(root)
    assert doctor(root, only=["upgrade-dropped-package"]) == [dropped(
        "python3-distutils", "distutils",
        "apt removes it at the upgrade (it needs python3:any (<< 3.11)); Python 3.12 does not "
        "look in /usr/lib/python3.10, so import distutils fails", release="Ubuntu 24.04 (noble)",
        repair=[("apt-get install -y python3-setuptools",
                 "python3-setuptools provides distutils in Ubuntu 24.04 (noble)")])]
