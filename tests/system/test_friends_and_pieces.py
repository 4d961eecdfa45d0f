"""/usr/bin/python and friends, and missing pieces, on real roots: broken, found, healed."""

from __future__ import annotations

from typing import List

import pytest

from . import realroot
from .realroot import assert_healed, doctor, version_of

RELEASES = realroot.CATALOG_ROOTS
ASIDE = "(kept in /var/lib/pyguard/aside)"



def move_aside(label: str, *paths: str) -> str:
    return ('mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf '
            f'"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)" '
            + " ".join(p.lstrip("/") for p in paths))



def rules(envelope: dict) -> List[str]:
    return [f["rule"] for f in envelope["findings"]]


@pytest.mark.parametrize("release", RELEASES)
def test_hand_made_python_link_apt_py_lsb_release_and_site_packages(real_root, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    local = f"/usr/local/lib/python{v}/dist-packages"
    site = f"/usr/lib/python{v}/site-packages"
    root.run("ln -s python3 /usr/bin/python && echo 'print(\"hello\")' > /usr/bin/apt.py && "
             f"ln -s /usr/share/pyshared/lsb_release.py {local}/lsb_release.py && "
             f"mkdir -p {site}/foo && touch {site}/foo/__init__.py")
    # a Python script in /usr/bin that imports apt now gets /usr/bin/apt.py
    root.write("/usr/bin/apt-probe", "#!/usr/bin/python3\nimport apt\napt.Cache\n", mode=0o755)
    assert root.run("/usr/bin/apt-probe", check=False).returncode == 1
    root.run("rm /usr/bin/apt-probe")
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [
        {
            "rule": "module-beside-scripts",
            "severity": "error",
            "title": "/usr/bin/apt.py hides the apt module from Python scripts in /usr/bin",
            "detail": "Python puts a script's own directory first on sys.path, so every Python "
                      "script in /usr/bin that imports apt gets /usr/bin/apt.py instead of the "
                      "module python3-apt ships. No Debian package installed /usr/bin/apt.py.",
            "subject": "/usr/bin/apt.py",
            "paths": ["/usr/bin/apt.py"],
            "repair": [{"command": move_aside("usr-bin-apt.py", "/usr/bin/apt.py"),
                        "note": f"move the stray module aside {ASIDE}"}],
        },
        {
            "rule": "python-unversioned-link",
            "severity": "warning",
            "title": "/usr/bin/python was made by hand",
            "detail": "/usr/bin/python is a symlink to python3, but no Debian package installed it. "
                      "On Debian it belongs to python-is-python3 (python means Python 3) or to the "
                      "python2 packages of old releases; scripts and maintainer scripts that run "
                      "\"python\" get whatever this hand-made file happens to run, and a package "
                      "that ships /usr/bin/python later silently replaces it.",
            "subject": "/usr/bin/python",
            "paths": ["/usr/bin/python", f"/usr/bin/python{v}"],
            "repair": [{"command": move_aside("usr-bin-python", "/usr/bin/python"),
                        "note": f"move the hand-made /usr/bin/python aside {ASIDE}"}],
        },
        {
            "rule": "lsb-release-copy",
            "severity": "warning",
            "title": f"hand-made {local}/lsb_release.py",
            "detail": f"{local}/lsb_release.py is a symlink to /usr/share/pyshared/lsb_release.py, "
                      "which does not exist. No Debian package puts lsb_release.py in /usr/local: "
                      "it is left over from making lsb_release work with a Python built from "
                      "source, and it goes stale as soon as lsb-release is upgraded.",
            "subject": f"{local}/lsb_release.py",
            "paths": [f"{local}/lsb_release.py"],
            "repair": [{"command": move_aside(f"lsb_release-python{v}", f"{local}/lsb_release.py"),
                        "note": f"move the copy aside {ASIDE}"}],
        },
        {
            "rule": "site-packages-dir",
            "severity": "warning",
            "title": f"{site} exists, but Debian's Python never reads it",
            "detail": f"Debian's Python looks for third-party modules in dist-packages, not in "
                      f"{site}, so what was installed there is invisible to python3: foo. A tool "
                      "that writes there was not built for Debian (a pip, setuptools or \"make "
                      "install\" of upstream Python with prefix /usr) and may have changed other "
                      "files under /usr too.",
            "subject": site,
            "paths": [site],
            "repair": [{"command": move_aside(f"python{v}-site-packages", site),
                        "note": f"move the directory aside {ASIDE}"}],
        },
    ]
    assert_healed(root, envelope, "test ! -e /usr/bin/python", "test ! -e /usr/bin/apt.py",
                  f"test ! -e {site}", "lsb_release -a")


def test_python_made_by_update_alternatives_goes_with_its_group(real_root) -> None:
    """CORPUS 9 as people usually do it: moving the link aside left the group, whose next
    `update-alternatives --auto python` (or any --config) made /usr/bin/python again."""
    root = real_root("bookworm")
    root.run("update-alternatives --install /usr/bin/python python /usr/bin/python3 1")
    code, envelope = doctor(root)
    assert code == 1
    [found] = envelope["findings"]
    assert (found["rule"], found["paths"], found["repair"]) == (
        "python-unversioned-link", ["/usr/bin/python", f"/usr/bin/python{version_of(root)}"],
        [{"command": "update-alternatives --remove-all python",
          "note": "drop the group (it also removes the /usr/bin/python link it made)"}])
    assert_healed(root, envelope, "test ! -e /usr/bin/python",
                  "test ! -e /var/lib/dpkg/alternatives/python",
                  "! update-alternatives --query python")


@pytest.mark.parametrize("release", RELEASES)
def test_orphaned_distutils_hack_in_usr_local(real_root, release: str) -> None:
    """setuptools deleted by hand from /usr/local, its _distutils_hack and .pth left behind."""
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    local = f"/usr/local/lib/python{v}/dist-packages"
    root.run(f"mkdir -p {local}/_distutils_hack && "
             f"echo 'def add_shim(): pass' > {local}/_distutils_hack/__init__.py && "
             "echo \"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, "
             "'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \" "
             f"> {local}/distutils-precedence.pth")
    code, envelope = doctor(root)
    assert code == 2
    # startup-hook names the .pth and leaves moving it to distutils-hack's repair
    assert rules(envelope) == ["startup-hook", "distutils-hack"]
    hack = f"{local}/_distutils_hack"
    assert envelope["findings"][1] == {
        "rule": "distutils-hack",
        "severity": "warning",
        "title": f"setuptools' distutils hack in {local} without its setuptools",
        "detail": f"{hack} is setuptools' replacement for distutils, but no installed project in "
                  f"{local} owns it. Loaded by a distutils-precedence.pth, it makes every Python "
                  "that root runs swap Debian's patched distutils for setuptools' own copy, which "
                  "installs into the wrong places on Debian.",
        "subject": hack,
        "paths": [hack, f"{local}/distutils-precedence.pth"],
        "repair": [{"command": move_aside(f"distutils-hack-{v}", hack,
                                          f"{local}/distutils-precedence.pth"),
                    "note": f"move the distutils hack aside {ASIDE}"}],
    }
    assert_healed(root, envelope, f"test -z \"$(ls -A {local})\"")


VENV_DETAIL = ("Python {v} has no ensurepip (/usr/lib/python{v}/ensurepip), which Debian ships in "
               "python3-venv. Without it \"python3 -m venv\" stops with \"The virtual environment "
               "was not created successfully because ensurepip is not available\", and people turn "
               "to \"sudo pip\" instead.")


def venv_finding(v: str) -> dict:
    return {
        "rule": "python3-venv-missing",
        "severity": "info",
        "title": '"python3 -m venv" does not work: python3-venv is not installed',
        "detail": VENV_DETAIL.format(v=v),
        "subject": f"python{v}-venv",
        "paths": [f"/usr/lib/python{v}/ensurepip"],
        "repair": [{"command": "apt-get install -y python3-venv",
                    "note": f"install ensurepip for Python {v}"}],
    }


def test_trixie_without_venv(real_root) -> None:
    root = real_root("trixie")
    root.run("apt-get remove -y python3.13-venv")
    assert root.run("python3 -m venv /tmp/venv", check=False).returncode != 0
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (0, [venv_finding("3.13")])
    assert_healed(root, envelope, "python3 -m venv /tmp/venv2 && /tmp/venv2/bin/pip --version")


def test_bookworm_without_distutils_venv_and_debian_pip(real_root) -> None:
    """apt-get remove python3-distutils takes pip and venv with it; then pip comes from a wheel."""
    root = real_root("bookworm")
    root.run("apt-get remove -y python3.11-venv python3-distutils")
    root.run("python3 $(ls /usr/share/python-wheels/pip-*.whl)/pip install --break-system-packages "
             "--no-index $(ls /usr/share/python-wheels/pip-*.whl)")
    local = "/usr/local/lib/python3.11/dist-packages"
    pip_files = ["/usr/local/bin/pip", "/usr/local/bin/pip3", "/usr/local/bin/pip3.11"]
    code, envelope = doctor(root)
    assert code == 1
    assert rules(envelope) == ["pip-in-usr-local", "python3-venv-missing",
                               "python3-distutils-missing", "python3-pip-missing"]
    assert envelope["findings"][1:] == [
        venv_finding("3.11"),
        {
            "rule": "python3-distutils-missing",
            "severity": "info",
            "title": "distutils of Python 3.11 is incomplete: python3-distutils is not installed",
            "detail": "Python 3.11 still has distutils, but Debian ships most of it in "
                      "python3-distutils, which is not installed: \"import distutils.core\" fails "
                      "with ModuleNotFoundError, and so do setup.py builds, get-pip.py and older "
                      "build tools.",
            "subject": "python3.11-distutils",
            "paths": ["/usr/lib/python3.11/distutils/core.py"],
            "repair": [{"command": "apt-get install -y python3-distutils",
                        "note": "restore the rest of distutils for Python 3.11"}],
        },
        {
            "rule": "python3-pip-missing",
            "severity": "info",
            "title": "somebody runs pip, but Debian's python3-pip is not installed",
            "detail": "Debian's pip is not installed, yet these files show a pip of another origin "
                      f"in use: {', '.join(pip_files)}, {local}/pip-23.0.1.dist-info. Debian's pip "
                      "knows Debian's layout and PEP 668; a pip from get-pip.py or PyPI in "
                      "/usr/local or ~/.local does not.",
            "subject": "python3-pip",
            "paths": pip_files + [f"{local}/pip-23.0.1.dist-info"],
            "repair": [{"command": "apt-get install -y python3-pip", "note": "install Debian's pip"}],
        },
    ]
    assert_healed(root, envelope, "python3 -c 'import distutils.core'", "dpkg -s python3-pip",
                  "python3 -m venv /tmp/venv && /tmp/venv/bin/pip --version")
