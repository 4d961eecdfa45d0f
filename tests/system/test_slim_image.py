"""A slim image's root: dpkg's path-exclude rules kept docs, man pages and translations off the
disk, as in Debian's and Ubuntu's container images. `dpkg -V` calls thousands of them missing;
pyguard calls the root clean, and still finds and heals what is really broken on it.
"""

from __future__ import annotations

from typing import Callable

import pytest

from . import realroot
from .realroot import (RealRoot, assert_undo_restores, changed_files, doctor, heal,
                       version_of)
from .test_core_rules import link_finding

RELEASE = "bookworm"
FILTERED = ("/usr/share/doc/", "/usr/share/groff/", "/usr/share/info/", "/usr/share/linda/",
            "/usr/share/lintian/overrides/", "/usr/share/locale/", "/usr/share/man/")


def slim_root(real_root: Callable[..., RealRoot]) -> RealRoot:
    return real_root(RELEASE, realroot.SLIM_OPTIONS)


def dpkg_verify(root: RealRoot) -> list:
    """What `dpkg -V` reports on the root, as (checks, path): "missing  [c] PATH" or
    "??5?????? [c] PATH"."""
    lines = root.run("dpkg -V", check=False).stdout.splitlines()
    return [(line[:9].strip(), line[12:]) for line in lines]


def assert_clean(root: RealRoot) -> None:
    code, envelope = doctor(root)
    v = version_of(root)
    assert code == 0
    assert envelope == {
        "schema": "pyguard/1",
        "tool": envelope["tool"],
        "root": str(root.path),
        "host": {"distro": "debian", "version": "12", "codename": RELEASE,
                 "default_python": f"python{v}"},
        "status": "ok",
        "exit_code": 0,
        "findings": [],
        "errors": [],
        "notes": [],
    }


def test_a_slim_root_is_clean(real_root) -> None:
    root = slim_root(real_root)
    v = version_of(root)
    assert root.host("/etc/dpkg/dpkg.cfg.d/99mmdebstrap").read_text() == "".join(
        rule + "\n" for rule in realroot.SLIM_PATH_FILTERS)
    # the filters did keep files of Python's packages off the disk: dpkg -V calls them missing,
    # and nothing else
    reported = dpkg_verify(root)
    assert (f"/usr/share/doc/python{v}/README.venv" in {path for _, path in reported},
            root.host(f"/usr/share/doc/python{v}/copyright").is_file()) == (True, True)
    assert [(state, path) for state, path in reported
            if state != "missing" or not path.startswith(FILTERED)] == []
    assert_clean(root)


def stdlib_finding(v: str, path: str) -> dict:
    package = f"libpython{v}-stdlib"
    return {
        "rule": "modified-debian-file",
        "severity": "error",
        "title": f"files of {package} are not as Debian shipped them",
        "detail": f"Changed: {path}. dpkg recorded the md5 of every file {package} installed; "
                  "these no longer match. Python programs run as root, Debian's own tools among "
                  "them, import whatever is on disk now: a missing module breaks them, an edited "
                  "one runs code Debian never shipped.",
        "subject": package,
        "paths": [path],
        "repair": [
            {"command": "mkdir -p /var/lib/pyguard/aside && tar -C / -czf \"$(mktemp "
                        f"--suffix=.tar.gz /var/lib/pyguard/aside/{package}-changed.XXXXXX)\" "
                        + path.lstrip("/"),
             "note": "keep a copy of the changed files (in /var/lib/pyguard/aside) before the "
                     "reinstall replaces them"},
            {"command": f"apt-get install --reinstall -y {package}",
             "note": "restore the package's files as shipped"},
        ],
    }


def marker_finding(v: str) -> dict:
    marker = f"/usr/lib/python{v}/EXTERNALLY-MANAGED"
    return {
        "rule": "pep668-marker",
        "severity": "warning",
        "title": f"PEP 668 marker of Python {v} is gone: it is missing",
        "detail": f"libpython{v}-stdlib ships {marker}, but it is missing. Without it pip installs "
                  "into the system interpreter without a word, over the packages Debian manages.",
        "subject": marker,
        "paths": [marker],
        "repair": [{"command": f"apt-get install --reinstall -y libpython{v}-stdlib",
                    "note": "restore the marker as shipped"}],
    }


BREAKAGES = {
    "dangling python3": (
        "ln -sf /usr/bin/python3.99 /usr/bin/python3", 2,
        lambda v: [link_finding(v, "it points to /usr/bin/python3.99, which does not exist",
                                "/usr/bin/python3.99")],
        "python3 -c 'import apt_pkg'"),
    "removed marker": (
        "rm /usr/lib/python{v}/EXTERNALLY-MANAGED", 1,
        lambda v: [marker_finding(v)],
        "test -s /usr/lib/python{v}/EXTERNALLY-MANAGED"),
    "edited stdlib": (
        "echo '# local edit' >> /usr/lib/python{v}/json/decoder.py", 2,
        lambda v: [stdlib_finding(v, f"/usr/lib/python{v}/json/decoder.py")],
        "python3 -c 'import json.decoder'"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_breakages_are_found_and_healed_on_a_slim_root(real_root, breakage: str) -> None:
    root = slim_root(real_root)
    v = version_of(root)
    how, exit_code, expected, probe = BREAKAGES[breakage]
    root.run(how.format(v=v))
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (exit_code, expected(v))

    before = changed_files(root)
    heal(root, envelope)
    assert_clean(root)
    root.run(probe.format(v=v))
    # the reinstall kept to dpkg's filters: the docs are still not there
    root.run(f"test ! -e /usr/share/doc/python{v}/README.venv")
    assert_undo_restores(root, before)
