"""python3-distutils-missing: distutils split out of the stdlib and not installed."""

from fakeroot_shadowing import add_setuptools


def add_distutils_init(root):
    root.install("libpython3.11-stdlib", multi_arch="same", version="3.11.2-6+deb12u8",
                 source="python3.11",
                 files={"/usr/lib/python3.11/distutils/__init__.py": "",
                        "/usr/lib/python3.11/distutils/version.py": ""})


def test_healthy_root_has_no_findings(fake_root, doctor):
    add_distutils_init(fake_root)
    assert doctor(fake_root) == []


def test_bookworm_without_python3_distutils(fake_root, doctor):
    add_distutils_init(fake_root)
    add_setuptools(fake_root)
    assert doctor(fake_root, only=["python3-distutils-missing"]) == [{
        "rule": "python3-distutils-missing",
        "severity": "info",
        "title": "distutils of Python 3.11 is incomplete: python3-distutils is not installed",
        "detail": "Python 3.11 still has distutils, but Debian ships most of it in python3-distutils, "
                  "which is not installed: \"import distutils.core\" fails with ModuleNotFoundError, "
                  "and so do setup.py builds, get-pip.py and older build tools.",
        "subject": "python3.11-distutils",
        "paths": ["/usr/lib/python3.11/distutils/core.py"],
        "repair": [("apt-get install -y python3-distutils",
                    "restore the rest of distutils for Python 3.11")],
    }]


def test_complete_distutils(fake_root, doctor):
    add_distutils_init(fake_root)
    add_setuptools(fake_root)
    fake_root.install("python3-distutils", arch="all", version="3.11.2-3",
                      files={"/usr/lib/python3.11/distutils/core.py": ""})
    assert doctor(fake_root, only=["python3-distutils-missing"]) == []


def test_python_3_13_has_no_distutils_to_install(tmp_path, doctor):
    from fakeroot import FakeRoot

    root = FakeRoot.trixie(tmp_path / "root")
    add_setuptools(root)
    assert doctor(root, only=["python3-distutils-missing"]) == []
