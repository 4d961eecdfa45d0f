"""extension-abi on real roots: a compiled module gone, and a package left built for the old
default Python, as a release upgrade cut short or a forced install leaves it.

The third way this rule fires, /usr/bin/python3 running another Python, is in test_core_rules.
"""

from __future__ import annotations

import shutil
from typing import Callable, List

import pytest

from . import realroot
from .realroot import RealRoot, assert_healed, doctor, heal, pyguard, version_of

DIST = "/usr/lib/python3/dist-packages"
FAILS = "Every program that imports them there fails with ImportError."


def finding(detail: str, paths: List[str], repair: List[dict]) -> dict:
    return {
        "rule": "extension-abi",
        "severity": "error",
        "title": "compiled modules of python3-apt cannot be loaded",
        "detail": f"{detail} {FAILS}",
        "subject": "python3-apt",
        "paths": paths,
        "repair": repair,
    }


def so(module: str, version: str) -> str:
    return f"{DIST}/{module}.cpython-{version.replace('.', '')}-x86_64-linux-gnu.so"


@pytest.mark.parametrize("release", realroot.CATALOG_ROOTS)
def test_a_missing_apt_pkg_build_is_reinstalled(real_root: Callable[[str], RealRoot],
                                                release: str) -> None:
    """CORPUS 1's "No module named 'apt_pkg'" with the interpreter intact: the build itself is
    gone (a clean-up script, a hand-made "fix" undone by rm)."""
    root = real_root(release)
    apt_pkg = so("apt_pkg", version_of(root))
    root.run(f"mv {apt_pkg} /root/")
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (2, [finding(
        f"Missing: {apt_pkg}.", [apt_pkg],
        [{"command": "apt-get install --reinstall -y python3-apt",
          "note": "restore the package's modules as shipped"}])])
    assert_healed(root, envelope, "python3 -c 'import apt_pkg'", f"test -f {apt_pkg}",
                  "dpkg -V python3-apt")


@pytest.fixture(scope="module")
def bookworm_python3_apt(tmp_path_factory: pytest.TempPathFactory) -> str:
    """bookworm's python3-apt .deb, as apt downloads it in a bookworm root."""
    with realroot.overlay("bookworm") as old:
        old.run("cd /tmp && apt-get download -qq python3-apt")
        deb = next(old.host("/tmp").glob("python3-apt_*.deb"))
        kept = tmp_path_factory.mktemp("debs") / deb.name
        shutil.copy(deb, kept)
    return str(kept)


def test_python3_apt_left_built_for_the_old_default_is_upgraded(
        real_root: Callable[[str], RealRoot], bookworm_python3_apt: str) -> None:
    """trixie with bookworm's python3-apt (its builds for 3.11 only), as an upgrade cut short
    or a `dpkg -i --force-depends` of an old .deb leaves it: the repair installs trixie's."""
    root = real_root("trixie")
    name = bookworm_python3_apt.rsplit("/", 1)[1]
    shutil.copy(bookworm_python3_apt, root.host(f"/root/{name}"))
    root.run(f"dpkg -i --force-depends /root/{name}")
    old = root.run("dpkg-query -W -f '${Version}' python3-apt").stdout
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (2, [finding(
        "Built for Python 3.11 only, not 3.13: apt_inst, apt_pkg.",
        [so("apt_inst", "3.11"), so("apt_pkg", "3.11")],
        [{"command": "apt-get update && apt-get install -y python3-apt",
          "note": "install the build of the package made for the default Python"}])])

    result = heal(root, envelope)
    new = root.run("dpkg-query -W -f '${Version}' python3-apt").stdout
    assert new != old
    for probe in ("python3 -c 'import apt_pkg, apt_inst'", "apt-get check", "dpkg -V python3-apt"):
        root.run(probe)
    undone = pyguard(root, "undo", "--yes", result["fix"]["undo"]["id"])
    assert (undone.returncode, undone.stdout.splitlines()[-1:]) == (
        0, [f"python3-apt stays at {new} (was {old}); undo does not downgrade packages."])
    root.run("python3 -c 'import apt_pkg' && apt-get check && dpkg -V python3-apt")
