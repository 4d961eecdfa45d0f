"""Fake roots on the eve of a release upgrade: apt lists of the next release, Ubuntu's jammy with
a deadsnakes python3.12 beside its python3.10, pip installations outside venvs.

apt's lists are laid out as apt writes them (modelled on a real bookworm root after
`apt update` with trixie sources): /var/lib/apt/lists/HOST_PATH_dists_SUITE_InRelease with the
Release fields (inside a clear-signed message), and HOST_PATH_dists_SUITE_COMPONENT_binary-ARCH_
Packages with one paragraph per package, Package first.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from fakeroot import FakeRoot, Link, debian_defaults_text, os_release_text

LISTS = "/var/lib/apt/lists"
DEBIAN = "deb.debian.org_debian"
UBUNTU = "archive.ubuntu.com_ubuntu"
DEADSNAKES = "ppa.launchpadcontent.net_deadsnakes_ppa_ubuntu"

Stanza = Tuple[str, str, str, str]
"""(package, version, architecture, Depends)."""


def python3_stanzas(version: str, minor: str, arch: str = "amd64") -> Tuple[Stanza, ...]:
    """The interpreter packages of a release whose python3 is `version` on Python `minor`."""
    upstream = version.split("-")[0]
    return (
        ("python3", version, arch, f"python{minor} (>= {upstream}-1~), libpython3-stdlib "
                                   f"(= {version})"),
        ("python3-minimal", version, arch, f"python{minor}-minimal (>= {upstream}-1~)"),
        (f"python{minor}", f"{upstream}-2", arch, f"python{minor}-minimal (= {upstream}-2)"),
        (f"python{minor}-minimal", f"{upstream}-2", arch, ""),
        (f"libpython{minor}-stdlib", f"{upstream}-2", arch, ""),
        ("python3-venv", version, arch, f"python{minor}-venv"),
        (f"python{minor}-venv", f"{upstream}-2", arch, ""),
    )


def apt_lists(root: FakeRoot, codename: str, stanzas: Sequence[Stanza], host: str = DEBIAN,
              suite: Optional[str] = None, component: str = "main", arch: str = "amd64",
              origin: str = "Debian", not_automatic: bool = False) -> str:
    """Write one release's InRelease and one Packages list, as `apt update` leaves them;
    returns the list's path inside the root."""
    suite = suite or codename
    release = [f"Origin: {origin}", f"Label: {origin}", f"Suite: {suite}",
               f"Codename: {codename}", "Date: Sat, 14 Nov 2026 09:10:11 UTC",
               f"Architectures: {arch} all", f"Components: {component}"]
    if not_automatic:
        release += ["NotAutomatic: yes", "ButAutomaticUpgrades: yes"]
    release += ["SHA256:", f" 0123456789abcdef 1234 {component}/binary-{arch}/Packages"]
    root.write(f"{LISTS}/{host}_dists_{suite}_InRelease",
               "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + "\n".join(release)
               + "\n-----BEGIN PGP SIGNATURE-----\n\nfake\n-----END PGP SIGNATURE-----\n")
    paragraphs = []
    for package, version, architecture, depends in stanzas:
        lines = [f"Package: {package}", f"Architecture: {architecture}", f"Version: {version}",
                 "Priority: optional", "Section: python", "Maintainer: Debian Python Team"]
        if depends:
            lines.append(f"Depends: {depends}")
        lines += [f"Filename: pool/main/{package[0]}/{package}/{package}_{version}_{architecture}.deb",
                  "Size: 1234", f"Description: {package} (fake)"]
        paragraphs.append("\n".join(lines) + "\n")
    path = f"{LISTS}/{host}_dists_{suite}_{component}_binary-{arch}_Packages"
    root.write(path, "\n".join(paragraphs))
    return path


def clear_lists(root: FakeRoot) -> None:
    """What `apt update` does to the lists of sources no longer named."""
    for name in root.host(LISTS).glob("*") if root.host(LISTS).is_dir() else ():
        name.unlink()


def trixie_lists(root: FakeRoot, extra: Sequence[Stanza] = ()) -> str:
    """bookworm's sources pointed at trixie, after `apt update`: the old lists are gone."""
    clear_lists(root)
    kept = tuple((p, "2.0-1", "all", "") for p in (
        "python3-apt", "python3-gi", "python3-requests", "python3-urllib3", "python3-six",
        "python3-setuptools", "python3-pip"))
    return apt_lists(root, "trixie", python3_stanzas("3.13.5-1", "3.13") + kept + tuple(extra))


def bookworm_lists(root: FakeRoot) -> str:
    clear_lists(root)
    kept = tuple((p, "1.0-1", "all", "") for p in (
        "python3-apt", "python3-gi", "python3-requests", "python3-urllib3", "python3-six",
        "python3-distutils", "python3-lib2to3"))
    return apt_lists(root, "bookworm", python3_stanzas("3.11.2-1+b1", "3.11") + kept)


def jammy(tmp_path) -> FakeRoot:
    """Ubuntu 22.04 with its python3.10, and deadsnakes' python3.12 installed beside it."""
    root = FakeRoot(tmp_path)
    root._base("22.04", "jammy", "3.10", "3.10.6-1~22.04.1", "3.10.12-1~22.04.9")
    ubuntu = os_release_text("ubuntu", "22.04", "jammy", "Ubuntu")
    root.install("base-files", version="12ubuntu4.7", multi_arch="foreign",
                 files={"/usr/lib/os-release": ubuntu, "/etc/os-release": Link("../usr/lib/os-release")})
    assert root.read("/usr/share/python3/debian_defaults") == debian_defaults_text("3.10", ["3.10"])
    deadsnakes = "3.12.7-1+jammy1"
    root.install("python3.12-minimal", version=deadsnakes, source="python3.12",
                 files={"/usr/bin/python3.12": b"\x7fELF deadsnakes python3.12\n"})
    root.install("libpython3.12-minimal", version=deadsnakes, multi_arch="same",
                 source="python3.12",
                 files={"/usr/lib/python3.12/os.py": '"""os of Python 3.12."""\n'})
    root.install("libpython3.12-stdlib", version=deadsnakes, multi_arch="same",
                 source="python3.12",
                 files={"/usr/lib/python3.12/json/__init__.py": '"""json."""\n'})
    root.install("python3.12", version=deadsnakes,
                 depends=f"python3.12-minimal (= {deadsnakes}), libpython3.12-stdlib (= {deadsnakes})")
    root.install("python3-distutils", arch="all", version="3.10.8-1~22.04",
                 source="python3-stdlib-extensions",
                 depends="python3:any (>= 3.10.6-1~), python3:any (<< 3.11), python3-lib2to3",
                 files={"/usr/lib/python3.10/distutils/__init__.py": '"""distutils."""\n',
                        "/usr/lib/python3.10/distutils/core.py": '"""core."""\n'})
    root.install("python3-venv", version="3.10.6-1~22.04.1", depends="python3.10-venv")
    apt_lists(root, "jammy", python3_stanzas("3.10.6-1~22.04.1", "3.10")
              + (("python3-distutils", "3.10.8-1~22.04", "all", ""),), host=UBUNTU,
              origin="Ubuntu")
    ppa = tuple((p, deadsnakes, "amd64", "") for p in (
        "python3.12", "python3.12-minimal", "libpython3.12-stdlib", "python3.12-venv"))
    apt_lists(root, "jammy", ppa, host=DEADSNAKES, origin="LP-PPA-deadsnakes")
    return root


def noble_lists(root: FakeRoot) -> str:
    """jammy's sources pointed at noble (do-release-upgrade disables the PPA)."""
    clear_lists(root)
    kept = tuple((p, "2.0-1", "all", "") for p in ("python3-setuptools", "python3-six"))
    return apt_lists(root, "noble", python3_stanzas("3.12.3-0ubuntu2", "3.12") + kept,
                     host=UBUNTU, origin="Ubuntu")
