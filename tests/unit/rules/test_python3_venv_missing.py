"""python3-venv-missing: pip is in use, but "python3 -m venv" cannot work (no ensurepip)."""

from fakeroot_shadowing import add_setuptools


def venv_finding():
    return {
        "rule": "python3-venv-missing",
        "severity": "info",
        "title": '"python3 -m venv" does not work: python3-venv is not installed',
        "detail": "Python 3.11 has no ensurepip (/usr/lib/python3.11/ensurepip), which Debian ships "
                  "in python3-venv. Without it \"python3 -m venv\" stops with \"The virtual "
                  "environment was not created successfully because ensurepip is not available\", "
                  "and people turn to \"sudo pip\" instead.",
        "subject": "python3.11-venv",
        "paths": ["/usr/lib/python3.11/ensurepip"],
        "repair": [("apt-get install -y python3-venv", "install ensurepip for Python 3.11")],
    }


def test_stock_system_without_pip_or_venv_is_healthy(fake_root, doctor):
    assert doctor(fake_root) == []


def test_debian_pip_without_venv(fake_root, doctor):
    add_setuptools(fake_root)  # brings python3-pip
    assert doctor(fake_root, only=["python3-venv-missing"]) == [venv_finding()]


def test_ensurepip_present(fake_root, doctor):
    add_setuptools(fake_root)
    fake_root.install("python3.11-venv", version="3.11.2-6+deb12u8",
                      files={"/usr/lib/python3.11/ensurepip/__init__.py": ""})
    assert doctor(fake_root, only=["python3-venv-missing"]) == []
