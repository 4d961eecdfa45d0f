"""The four core breakages on real Debian roots: made as users make them, found, and healed.

Each test breaks a fresh overlay of a real mmdebstrap root, asserts pyguard's whole finding list,
runs pyguard's own repair commands inside the root with chroot, and checks that the root is
healthy again: doctor finds nothing and the tool that showed the breakage works.
"""

from __future__ import annotations

from typing import Callable, Dict, List

import pytest

from . import realroot
from .realroot import RealRoot, assert_healed, doctor, version_of

RELEASES = realroot.CATALOG_ROOTS

MINIMAL_REPAIR = [
    {"command": "ln -sfn python{v} /usr/bin/python3",
     "note": "point /usr/bin/python3 back at Debian's default interpreter"},
    {"command": "apt-get install --reinstall -y python3-minimal python{v}-minimal",
     "note": "restore both packages' files as shipped"},
]
LINK_DETAIL = ("/usr/bin/python3 must run Debian's default interpreter /usr/bin/python{v}, but "
               "{state}. apt's hooks, maintainer scripts, lsb_release and add-apt-repository all "
               "run /usr/bin/python3 and need the modules Debian built for Python {v}.")
# Compiled modules (ABI-tagged) that Debian packages in the test roots ship in dist-packages.
EXTENSIONS = {
    "bookworm": {"python3-apt": ["apt_inst", "apt_pkg"], "python3-gi": ["gi/_gi"],
                 "python3-psutil": ["psutil/_psutil_linux", "psutil/_psutil_posix"],
                 "python3-yaml": ["yaml/_yaml"]},
    "trixie": {"python3-apt": ["apt_inst", "apt_pkg"],
               "python3-charset-normalizer": ["charset_normalizer/md", "charset_normalizer/md__mypyc"],
               "python3-gi": ["gi/_gi"], "python3-yaml": ["yaml/_yaml"]},
}


def link_finding(v: str, state: str, target: str) -> dict:
    return {
        "rule": "python3-link",
        "severity": "error",
        "title": f"/usr/bin/python3 is not Debian's python{v}",
        "detail": LINK_DETAIL.format(v=v, state=state),
        "subject": "/usr/bin/python3",
        "paths": ["/usr/bin/python3", target],
        "repair": fill(MINIMAL_REPAIR, v=v),
    }



def fill(template: List[Dict[str, str]], **values: str) -> List[Dict[str, str]]:
    return [{key: text.format(**values) for key, text in step.items()} for step in template]



def extension_findings(release: str, v: str, reason: str) -> List[dict]:
    """extension-abi findings for every package with compiled modules, as one cause makes them."""
    tag = f"cpython-{v.replace('.', '')}-x86_64-linux-gnu.so"
    return [
        {
            "rule": "extension-abi",
            "severity": "error",
            "title": f"compiled modules of {package} cannot be loaded",
            "detail": f"{reason}: {', '.join(m.rsplit('/', 1)[-1] for m in modules)}. Every "
                      "program that imports them there fails with ImportError.",
            "subject": package,
            "paths": [f"/usr/lib/python3/dist-packages/{m}.{tag}" for m in modules],
            "repair": [{"command": f"apt-get install --reinstall -y {package}",
                        "note": "restore the package's modules as shipped"}],
        }
        for package, modules in EXTENSIONS[release].items()
    ]


@pytest.mark.parametrize("release", RELEASES)
def test_a_clean_root_has_no_findings(real_root: Callable[[str], RealRoot], release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    code, envelope = doctor(root)
    v = version_of(root)
    assert code == 0
    assert envelope == {
        "schema": "pyguard/1",
        "tool": envelope["tool"],
        "root": str(root.path),
        "host": {"distro": "debian", "version": {"bookworm": "12", "trixie": "13"}[release],
                 "codename": release, "default_python": f"python{v}"},
        "status": "ok",
        "exit_code": 0,
        "findings": [],
        "errors": [],
        "notes": [],
    }


PIP_REFUSES = "python3 -m pip install --no-index six 2>&1 | grep -q externally-managed-environment"
WITHOUT_MARKER = ("Without it pip installs into the system interpreter without a word, over the "
                  "packages Debian manages.")
EMPTY_MARKER = ("pip still refuses to install into the system interpreter (the file being there "
                "is enough), but what it then says is no longer Debian's advice (apt install "
                "python3-NAME, a virtual environment, or pipx).")


@pytest.mark.parametrize("how, state, gone", [
    ("rm {marker}", "it is missing", True),
    ("mv {marker} {marker}.bak", "it was renamed to EXTERNALLY-MANAGED.bak", True),
    (": > {marker}", "it is empty", False),
])
@pytest.mark.parametrize("release", RELEASES)
def test_a_removed_pep668_marker_is_restored(real_root, release: str, how: str, state: str,
                                             gone: bool) -> None:
    """What the finding says pip does is what this root's pip does: an empty marker still stops
    it, with pip's own words instead of Debian's."""
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    marker = f"/usr/lib/python{v}/EXTERNALLY-MANAGED"
    root.run(how.format(marker=marker))
    assert root.run(PIP_REFUSES, check=False).returncode == (1 if gone else 0)
    code, envelope = doctor(root)
    assert code == 1
    assert envelope["findings"] == [{
        "rule": "pep668-marker",
        "severity": "warning",
        "title": f"PEP 668 marker of Python {v} is {'gone' if gone else 'not as shipped'}: {state}",
        "detail": f"libpython{v}-stdlib ships {marker}, but {state}. "
                  + (WITHOUT_MARKER if gone else EMPTY_MARKER),
        "subject": marker,
        "paths": [marker],
        "repair": [{"command": f"apt-get install --reinstall -y libpython{v}-stdlib",
                    "note": "restore the marker as shipped"}],
    }]
    assert_healed(root, envelope, f"test -s {marker}", PIP_REFUSES)


@pytest.mark.parametrize("release, config", [
    *((release, "/etc/dpkg/dpkg.cfg.d/no-pep668") for release in RELEASES),
    ("bookworm", "/root/.dpkg.cfg"),  # dpkg reads root's own last
])
def test_a_marker_kept_off_the_disk_by_a_dpkg_filter_comes_back(real_root, release: str,
                                                                 config: str) -> None:
    """The durable way to be rid of PEP 668: a path-exclude, then the next upgrade or reinstall
    removes the marker. A reinstall alone would not bring it back."""
    root = real_root(release)
    v = version_of(root)
    marker = f"/usr/lib/python{v}/EXTERNALLY-MANAGED"
    root.write(config, "path-exclude=/usr/lib/python3*/EXTERNALLY-MANAGED\n")
    root.run(f"apt-get install --reinstall -y libpython{v}-stdlib && test ! -e {marker}")
    code, envelope = doctor(root)
    assert code == 1
    state = (f"dpkg's path-exclude=/usr/lib/python3*/EXTERNALLY-MANAGED in {config}:1 keeps it "
             "off the disk")
    assert envelope["findings"] == [{
        "rule": "pep668-marker",
        "severity": "warning",
        "title": f"PEP 668 marker of Python {v} is gone: {state}",
        "detail": f"libpython{v}-stdlib ships {marker}, but {state}. Without it pip installs into "
                  "the system interpreter without a word, over the packages Debian manages.",
        "subject": marker,
        "paths": [marker, config],
        "repair": [{"command": f"printf '%s\\n' path-include={marker} | tee -a {config} > /dev/null",
                    "note": "let dpkg unpack the marker again (the last path filter that matches "
                            "a path decides)"},
                   {"command": f"apt-get install --reinstall -y libpython{v}-stdlib",
                    "note": "restore the marker as shipped"}],
    }]
    assert_healed(root, envelope, f"test -s {marker}", f"dpkg --verify libpython{v}-stdlib",
                  "python3 -m pip install --no-index six 2>&1 | grep -q externally-managed-environment",
                  f"apt-get install --reinstall -y libpython{v}-stdlib && test -s {marker}")


@pytest.mark.parametrize("release", RELEASES)
def test_a_dangling_python3_link_is_repaired(real_root, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    root.run("ln -sf /usr/bin/python3.99 /usr/bin/python3")
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [link_finding(
        v, "it points to /usr/bin/python3.99, which does not exist", "/usr/bin/python3.99")]
    assert_healed(root, envelope, "python3 -c 'import apt_pkg'", f"test \"$(py3versions -d)\" = python{v}")


@pytest.mark.parametrize("release", RELEASES)
def test_apt_update_failing_in_command_not_found_s_hook_is_healed(real_root, release: str) -> None:
    """CORPUS 3: `apt update` ends in "E: Problem executing scripts
    APT::Update::Post-Invoke-Success": command-not-found's hook runs cnf-update-db, a python3
    script, after every update. Healed, apt update runs its hook again."""
    root = real_root(release)
    v = version_of(root)
    root.run("apt-get install -y -q command-not-found", timeout=600)
    # apt-file's Contents lists (tens of MB, from a mirror that may be mid-sync) are not what
    # this is about: the hook runs python3 without them
    root.write("/etc/apt/apt.conf.d/99no-contents",
               'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";\n')
    root.run("ln -sf /usr/bin/python3.99 /usr/bin/python3")
    failed = root.run("apt-get update -q", check=False)
    assert (failed.returncode, failed.stderr.splitlines()[-2:]) == (100, [
        "E: Problem executing scripts APT::Update::Post-Invoke-Success 'if /usr/bin/test -w "
        "/var/lib/command-not-found/ -a -e /usr/lib/cnf-update-db; then /usr/lib/cnf-update-db "
        "> /dev/null; fi'",
        "E: Sub-process returned an error code"])
    code, envelope = doctor(root)
    assert (code, envelope["findings"]) == (2, [link_finding(
        v, "it points to /usr/bin/python3.99, which does not exist", "/usr/bin/python3.99")])
    assert_healed(root, envelope, "apt-get update -q", "/usr/lib/cnf-update-db")


def usr_local_python3_first() -> dict:
    """other-python3-first, as a `make install` into /usr/local adds it."""
    return {
        "rule": "other-python3-first",
        "severity": "warning",
        "title": "another python3 comes before Debian's in root's login shell, root's interactive "
                 "shell",
        "detail": "/usr/local/bin/python3 is found before Debian's /usr/bin/python3. Scripts that "
                  "start with \"#!/usr/bin/env python3\", and every \"python3\" typed as root or "
                  "run through sudo, then get that interpreter instead of Debian's, without the "
                  "modules Debian's packages installed for it.",
        "subject": "/usr/local/bin/python3",
        "paths": ["/usr/local/bin/python3"],
        "repair": [{"command": 'mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf '
                               '"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/'
                               'python3-path-usr-local-bin-python3.XXXXXX)" usr/local/bin/python3',
                    "note": "move the python3 aside (kept in /var/lib/pyguard/aside)"}],
    }


def make_foreign_python(root: RealRoot, prefix: str, version: str) -> str:
    """A stand-in for a conda, pyenv or `make install` build: PREFIX/bin/python3 beside its stdlib."""
    root.run(f"mkdir -p {prefix}/bin {prefix}/lib/python{version} && "
             f"cp /usr/bin/python3 {prefix}/bin/python3 && touch {prefix}/lib/python{version}/os.py")
    return f"{prefix}/bin/python3"


@pytest.mark.parametrize("prefix", ["/opt/conda", "/usr/local", "/root/.pyenv/versions/3.99.1"])
@pytest.mark.parametrize("release", RELEASES)
def test_python3_pointed_at_a_foreign_build_is_repaired(real_root, release: str, prefix: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    foreign = make_foreign_python(root, prefix, "3.99")
    root.run(f"ln -sf {foreign} /usr/bin/python3")
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [link_finding(
        v, f"it runs {foreign} (Python 3.99), which no Debian package installed", foreign),
    ] + extension_findings(
        release, v, "No build for Python 3.99, which /usr/bin/python3 runs") + (
        [usr_local_python3_first()] if prefix == "/usr/local" else [])
    assert_healed(root, envelope, "python3 -c 'import apt_pkg'", "lsb_release -a")


@pytest.mark.parametrize("release", RELEASES)
def test_an_update_alternatives_takeover_is_undone(real_root, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    foreign = make_foreign_python(root, "/opt/python", "3.99")
    root.run(f"update-alternatives --install /usr/bin/python3 python3 {foreign} 10")
    code, envelope = doctor(root)
    assert code == 2
    assert envelope["findings"] == [{
        "rule": "python3-alternatives",
        "severity": "error",
        "title": "update-alternatives has taken over /usr/bin/python3",
        "detail": f"/usr/bin/python3 is managed by the update-alternatives group python3 and now "
                  f"runs {foreign}; registered choices: {foreign}. Debian never manages python3 "
                  "with alternatives: the next choice with a higher priority silently replaces "
                  "the system interpreter.",
        "subject": "/usr/bin/python3",
        "paths": ["/usr/bin/python3", "/etc/alternatives/python3"],
        "repair": [
            {"command": "update-alternatives --remove-all python3",
             "note": "drop the group (it also removes its /usr/bin/python3 link)"},
            {"command": f"ln -sfn python{v} /usr/bin/python3",
             "note": "recreate Debian's link to the default interpreter"},
            {"command": f"apt-get install --reinstall -y python3-minimal python{v}-minimal",
             "note": "restore both packages' files as shipped"},
        ],
    }] + extension_findings(
        release, v, "No build for Python 3.99, which /usr/bin/python3 runs")
    assert_healed(root, envelope, "python3 -c 'import apt_pkg'",
                  "test ! -e /var/lib/dpkg/alternatives/python3", "test -L /usr/bin/python3",
                  f"test \"$(readlink /usr/bin/python3)\" = python{v}")


def move_aside(label: str, *paths: str) -> str:
    return ('mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf '
            f'"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{label}.XXXXXX)" '
            + " ".join(p.lstrip("/") for p in paths))


@pytest.mark.parametrize("release", RELEASES)
def test_sudo_pip_break_system_packages_shadowing_debian_is_moved_aside(
        real_root, pinned_wheels, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    v = version_of(root)
    wheels = pinned_wheels(root)
    root.run(f"python3 -m pip install --break-system-packages --ignore-installed --no-deps "
             f"--no-index --find-links {wheels} requests==2.32.3 urllib3==2.2.3")
    code, envelope = doctor(root)
    site = f"/usr/local/lib/python{v}/dist-packages"
    assert code == 2
    assert envelope["findings"] == [
        {
            "rule": "shadowed-debian-module",
            "severity": "error",
            "title": f"{project} {version} in {site} hides Debian's {project}",
            "detail": f"{site} comes before /usr/lib/python3/dist-packages on sys.path, so every "
                      "Python program run as root, Debian's tools included, imports "
                      f"{project} from {project} {version} there instead of the version "
                      f"python3-{project} was built and tested with.{dependents}",
            "subject": f"{site}:{project}",
            "paths": [f"{site}/{project}-{version}.dist-info", f"{site}/{project}"],
            "repair": [{"command": move_aside(f"{project}-{version}",
                                              f"{site}/{project}-{version}.dist-info", f"{site}/{project}"),
                        "note": "move the shadowing copy aside (kept in /var/lib/pyguard/aside)"}],
        }
        for project, version, dependents in (
            ("requests", "2.32.3", ""),
            ("urllib3", "2.2.3", " Debian packages that depend on it: python3-requests."))
    ]
    assert_healed(root, envelope,
                  "python3 -c 'import requests, urllib3; assert requests.__file__.startswith"
                  "(\"/usr/lib/python3/dist-packages/\"), requests.__file__'",
                  "test $(ls /var/lib/pyguard/aside | wc -l) = 2")


@pytest.mark.parametrize("release", RELEASES)
def test_pip_target_into_dist_packages_is_moved_aside_and_debian_files_restored(
        real_root, pinned_wheels, release: str) -> None:
    root = real_root(release)
    release = root.release  # bookworm-slim is a bookworm
    wheels = pinned_wheels(root)
    dist = "/usr/lib/python3/dist-packages"
    root.run(f"python3 -m pip install --target {dist} --upgrade --no-index --find-links {wheels} "
             "six==1.17.0 attrs==24.2.0")
    code, envelope = doctor(root)
    assert code == 2
    info = f"{dist}/six-1.17.0.dist-info"
    if release == "bookworm":  # Debian ships six 1.16.0: pip's 1.17.0 metadata sits beside it
        moved, replaced = [info], [f"{dist}/six.py"]
    else:  # Debian ships six 1.17.0 too: pip rewrote Debian's own metadata directory
        moved = [f"{info}/LICENSE", f"{info}/RECORD", f"{info}/REQUESTED"]
        replaced = [f"{info}/{name}" for name in ("INSTALLER", "METADATA", "WHEEL", "top_level.txt")]
        replaced.append(f"{dist}/six.py")
    stray_detail = (f"{dist} belongs to dpkg alone, but {{name}} (installed by: pip) was written "
                    "there by hand or by pip.")
    assert envelope["findings"] == [
        {
            "rule": "stray-in-dist-packages",
            "severity": "error",
            "title": f"attrs 24.2.0 in {dist} is not from a Debian package",
            "detail": stray_detail.format(name="attrs 24.2.0"),
            "subject": "attrs",
            "paths": [f"{dist}/attrs-24.2.0.dist-info", f"{dist}/attr", f"{dist}/attrs"],
            "repair": [{"command": move_aside("attrs-24.2.0", f"{dist}/attrs-24.2.0.dist-info",
                                              f"{dist}/attr", f"{dist}/attrs"),
                        "note": "move the files aside (kept in /var/lib/pyguard/aside)"}],
        },
        {
            "rule": "stray-in-dist-packages",
            "severity": "error",
            "title": f"six 1.17.0 in {dist} is not from a Debian package",
            "detail": stray_detail.format(name="six 1.17.0"),
            "subject": "six",
            "paths": moved + replaced,
            "repair": [
                {"command": move_aside("six-1.17.0", *moved),
                 "note": "move the files aside (kept in /var/lib/pyguard/aside)"},
                {"command": 'mkdir -p /var/lib/pyguard/aside && tar -C / -czf "$(mktemp '
                            '--suffix=.tar.gz /var/lib/pyguard/aside/six-1.17.0-replaced.XXXXXX)" '
                            + " ".join(p.lstrip("/") for p in replaced),
                 "note": "keep a copy of the Debian files pip overwrote"},
                {"command": "apt-get install --reinstall -y python3-six",
                 "note": "restore the Debian files the install overwrote"},
            ],
        },
    ]
    assert_healed(root, envelope, "dpkg -V python3-six", "! python3 -c 'import attr'",
                  "python3 -c 'import six'")


def test_the_apt_pkg_so_hack_is_moved_aside_and_python3_apt_restored(real_root) -> None:
    """The web's "fix" for "No module named 'apt_pkg'" (CORPUS 2, 4): the module linked or
    copied under a name any Python accepts. The links go aside; python3-apt is reinstalled."""
    root = real_root("trixie")
    dist = "/usr/lib/python3/dist-packages"
    root.run(f"cd {dist} && ln -s apt_pkg.cpython-313-x86_64-linux-gnu.so apt_pkg.so && "
             "cp apt_inst.cpython-313-x86_64-linux-gnu.so apt_inst.so")
    code, envelope = doctor(root)

    def finding(name: str) -> dict:
        path = f"{dist}/{name}.so"
        return {
            "rule": "unowned-extension",
            "severity": "error",
            "title": f"hand-made copy of a python3-apt module: {path}",
            "detail": f"{path} is not from any Debian package but carries the name of a module "
                      "python3-apt ships. Such copies (often \"cp apt_pkg.cpython-3X-....so "
                      "apt_pkg.so\") load a module built for another Python and crash or hide the "
                      "real breakage.",
            "subject": path,
            "paths": [path],
            "repair": [
                {"command": "mkdir -p /var/lib/pyguard/aside && tar -C / --remove-files -czf "
                            f"\"$(mktemp --suffix=.tar.gz /var/lib/pyguard/aside/{name}.so.XXXXXX)\" "
                            f"{path.lstrip('/')}",
                 "note": "move the copy aside (kept in /var/lib/pyguard/aside)"},
                {"command": "apt-get install --reinstall -y python3-apt",
                 "note": "restore the real modules as shipped"},
            ],
        }

    assert (code, envelope["findings"]) == (2, [finding("apt_inst"), finding("apt_pkg")])
    assert_healed(root, envelope, f"test ! -e {dist}/apt_pkg.so -a ! -e {dist}/apt_inst.so",
                  "python3 -c 'import apt_pkg, apt_inst'", "apt-get check",
                  "test $(ls /var/lib/pyguard/aside | wc -l) = 2")
