"""extension-abi: Debian's compiled modules have builds for the default and the running Python."""

from fakeroot import FakeRoot, Link, debian_defaults_text

DIST = "/usr/lib/python3/dist-packages"
APT_PKG = f"{DIST}/apt_pkg.cpython-311-x86_64-linux-gnu.so"
APT_INST = f"{DIST}/apt_inst.cpython-311-x86_64-linux-gnu.so"
GI = f"{DIST}/gi/_gi.cpython-311-x86_64-linux-gnu.so"
FAILS = "Every program that imports them there fails with ImportError."


def finding(package: str, detail: str, paths, repair):
    return {
        "rule": "extension-abi",
        "severity": "error",
        "title": f"compiled modules of {package} cannot be loaded",
        "detail": f"{detail} {FAILS}",
        "subject": package,
        "paths": paths,
        "repair": repair,
    }


def reinstall(package: str):
    return [(f"apt-get install --reinstall -y {package}", "restore the package's modules as shipped")]


def upgrade(package: str):
    return [(f"apt-get update && apt-get install -y {package}",
             "install the build of the package made for the default Python")]


def test_healthy_root_has_no_findings(fake_root, doctor):
    assert doctor(fake_root) == []


def test_healthy_trixie_313_builds_are_accepted(tmp_path, doctor):
    assert doctor(FakeRoot.trixie(tmp_path), only=["extension-abi"]) == []


def test_apt_pkg_build_deleted(fake_root, doctor):
    fake_root.remove(APT_PKG)
    assert doctor(fake_root) == [
        finding("python3-apt", f"Missing: {APT_PKG}.", [APT_PKG], reinstall("python3-apt")),
    ]


def test_gi_build_deleted(fake_root, doctor):
    fake_root.remove(GI)
    assert doctor(fake_root) == [
        finding("python3-gi", f"Missing: {GI}.", [GI], reinstall("python3-gi")),
    ]


def test_apt_pkg_build_replaced_by_dangling_symlink_is_missing(fake_root, doctor):
    """A link to nothing is no build: `import apt_pkg` fails just as if the file were gone."""
    fake_root.symlink(APT_PKG, "apt_pkg.cpython-311-x86_64-linux-gnu.so.dpkg-tmp")
    assert doctor(fake_root) == [
        finding("python3-apt", f"Missing: {APT_PKG}.", [APT_PKG], reinstall("python3-apt")),
    ]


def test_packages_built_for_an_older_default_only(fake_root, doctor):
    """python3-defaults moved to 3.12, python3-apt and python3-gi are still the 3.11 builds."""
    fake_root.install("python3.12-minimal", {"/usr/bin/python3.12": b"\x7fELF"},
                      multi_arch="allowed", version="3.12.1-1")
    fake_root.install("libpython3.12-minimal", {"/usr/lib/python3.12/os.py": ""},
                      multi_arch="same", version="3.12.1-1")
    # python3-minimal upgraded to the 3.12 default, as the archive ships it
    fake_root.install("python3-minimal", multi_arch="allowed", version="3.12.1-1",
                      files={"/usr/share/python3/debian_defaults": debian_defaults_text("3.12", ["3.12"]),
                             "/usr/bin/python3": Link("python3.12")})
    assert doctor(fake_root) == [
        finding("python3-apt", "Built for Python 3.11 only, not 3.12: apt_inst, apt_pkg.",
                [APT_INST, APT_PKG], upgrade("python3-apt")),
        finding("python3-gi", "Built for Python 3.11 only, not 3.12: _gi.", [GI], upgrade("python3-gi")),
    ]


def test_running_interpreter_has_no_build(fake_root, doctor):
    fake_root.write("/usr/local/bin/python3.12", b"\x7fELF")
    fake_root.symlink("/usr/bin/python3", "/usr/local/bin/python3.12")
    assert doctor(fake_root, only=["extension-abi"]) == [
        finding("python3-apt", "No build for Python 3.12, which /usr/bin/python3 runs: apt_inst, apt_pkg.",
                [APT_INST, APT_PKG], reinstall("python3-apt")),
        finding("python3-gi", "No build for Python 3.12, which /usr/bin/python3 runs: _gi.",
                [GI], reinstall("python3-gi")),
    ]
