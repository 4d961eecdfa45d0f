"""modified-debian-file on real roots: files of Debian's Python packages edited, deleted, moved.

Each test breaks a fresh overlay the way users do, asserts pyguard's whole finding list, runs
pyguard's own repairs inside the root, and checks that doctor is clean, `dpkg -V` prints
nothing, Python works again and every local edit survives (aside archive, .dpkg-old).
"""

from __future__ import annotations

from typing import Callable, List

import pytest

from . import realroot
from .realroot import RealRoot, assert_undo_restores, changed_files, default_python, doctor, heal

RELEASES = realroot.CATALOG_ROOTS
DIST = "/usr/lib/python3/dist-packages"
API = f"{DIST}/requests/api.py"
COMPOSER = f"{DIST}/yaml/composer.py"
AFTER = ("dpkg recorded the md5 of every file {package} installed; these no longer match. Python "
         "programs run as root, Debian's own tools among them, import whatever is on disk now: a "
         "missing module breaks them, an edited one runs code Debian never shipped.")
KEEP = ("mkdir -p /var/lib/pyguard/aside && tar -C / -czf \"$(mktemp --suffix=.tar.gz "
        "/var/lib/pyguard/aside/{package}-changed.XXXXXX)\" {path}")
KEPT = "keep a copy of the changed files (in /var/lib/pyguard/aside) before the reinstall replaces them"
REINSTALLED = "restore the package's files as shipped"


def finding(package: str, state: str, paths: List[str], repair: List[dict]) -> dict:
    return {
        "rule": "modified-debian-file",
        "severity": "error",
        "title": f"files of {package} are not as Debian shipped them",
        "detail": f"{state} {AFTER.format(package=package)}",
        "subject": package,
        "paths": paths,
        "repair": repair,
    }


def keep(package: str, path: str) -> dict:
    return {"command": KEEP.format(package=package, path=path.lstrip("/")), "note": KEPT}


def reinstall(package: str) -> dict:
    return {"command": f"apt-get install --reinstall -y {package}", "note": REINSTALLED}


def archived(root: RealRoot, label: str, path: str) -> str:
    """The text of `path` as kept in the aside archive named after `label`."""
    return root.run(f"for a in /var/lib/pyguard/aside/{label}.*.tar.gz; do "
                    f"tar -xzOf \"$a\" {path.lstrip('/')}; done").stdout


def assert_clean(root: RealRoot) -> None:
    code, after = doctor(root)
    assert (code, after["findings"], after["errors"]) == (0, [], [])
    assert realroot.dpkg_verify(root) == ""


@pytest.mark.parametrize("release", RELEASES)
def test_edited_deleted_and_moved_files_are_restored(real_root: Callable[[str], RealRoot],
                                                     release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = default_python(root).removeprefix("python")
    encodings = f"/usr/lib/python{v}/encodings/__init__.py"
    conffile = f"/etc/python{v}/sitecustomize.py"
    root.run(f"echo '# local edit' >> {API}")
    root.run(f"rm {COMPOSER}")
    root.run(f"mv {encodings} /root/")  # CORPUS 8: a Makefile moved the stdlib
    root.run(f"echo '# keep me' >> {conffile}")
    root.run("rm /usr/bin/lsb_release")  # CORPUS 6: pip#4924's "fix" (a shell script since 12)
    assert root.run("python3 -c pass", check=False).returncode != 0

    code, envelope = doctor(root)
    assert code == 2
    hook, *ours = envelope["findings"]
    # the changed sitecustomize conffile is a start-up hook: startup-hook reports and repairs it
    assert (hook["rule"], hook["subject"], hook["paths"]) == (
        "startup-hook", f"/usr/lib/python{v}/sitecustomize.py",
        [f"/usr/lib/python{v}/sitecustomize.py", conffile])
    assert ours == [
        finding(f"libpython{v}-minimal", f"Missing: {encodings}.", [encodings],
                [reinstall(f"libpython{v}-minimal")]),
        finding("lsb-release", "Missing: /usr/bin/lsb_release.", ["/usr/bin/lsb_release"],
                [reinstall("lsb-release")]),
        finding("python3-requests", f"Changed: {API}.", [API],
                [keep("python3-requests", API), reinstall("python3-requests")]),
        finding("python3-yaml", f"Missing: {COMPOSER}.", [COMPOSER], [reinstall("python3-yaml")]),
    ]

    before = changed_files(root)
    heal(root, envelope)
    assert_clean(root)
    root.run("python3 -c 'import encodings, requests, yaml.composer' && lsb_release -a")
    assert archived(root, "python3-requests-changed", API).endswith("# local edit\n")
    assert archived(root, "startup-hook-sitecustomize.py", conffile).endswith("# keep me\n")
    assert_undo_restores(root, before)


@pytest.mark.parametrize("release", RELEASES)
def test_changed_conffile_is_restored_and_kept_as_dpkg_old(real_root: Callable[[str], RealRoot],
                                                           release: str) -> None:
    """Without the link that makes it a start-up hook, the edited conffile is this rule's.

    A plain reinstall keeps an edited conffile (its version in the package did not change);
    --force-confask makes dpkg offer the packaged one, --force-confnew takes it.
    """
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = default_python(root).removeprefix("python")
    package = f"libpython{v}-minimal"
    conffile = f"/etc/python{v}/sitecustomize.py"
    root.run(f"rm /usr/lib/python{v}/sitecustomize.py && echo '# local edit' >> {conffile}")

    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [
        finding(package, f"Changed configuration file: {conffile}.", [conffile], [
            keep(package, conffile),
            {"command": "apt-get install --reinstall -y -o Dpkg::Options::=--force-confask "
                        f"-o Dpkg::Options::=--force-confnew {package}",
             "note": f"restore the package's files and its configuration files {conffile} as "
                     "shipped; dpkg also keeps each edited one as FILE.dpkg-old"},
        ]),
    ]

    before = changed_files(root)
    heal(root, envelope)
    assert_clean(root)
    assert root.host(f"/usr/lib/python{v}/sitecustomize.py").is_symlink()  # came back too
    assert root.host(conffile + ".dpkg-old").read_text().endswith("# local edit\n")
    assert archived(root, f"{package}-changed", conffile).endswith("# local edit\n")
    assert_undo_restores(root, before)
