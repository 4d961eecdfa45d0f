"""The fingerprint of apt's inputs: equal exactly while apt would answer the same."""

import os

import pytest

from pyguard.fix.aptstate import fingerprint
from pyguard.rootfs import RootFS

LIST = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"


@pytest.fixture
def root(fake_root):
    fake_root.write("/etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n")
    fake_root.symlink("/etc/apt/trusted.gpg.d/debian.asc", "/usr/share/keyrings/debian.asc")
    fake_root.write(LIST, "Package: python3\nVersion: 3.11.2-1+b1\n\n")
    fake_root.write("/var/lib/apt/lists/lock", "")
    fake_root.mkdir("/var/lib/apt/lists/partial")
    fake_root.write("/var/lib/apt/extended_states", "")
    fake_root.mkdir("/var/lib/dpkg/updates")
    return fake_root


def now(root) -> str:
    return fingerprint(RootFS(str(root.path)))


def rewrite(root, path: str, content: bytes) -> None:
    """What dpkg and apt do: write a new file and rename it over the old one."""
    host = root.host(path)
    st = host.stat()
    new = host.with_name(host.name + ".new")
    new.write_bytes(content)
    os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(new, host)


def test_dpkg_rewriting_its_status_to_the_same_bytes_changes_nothing(root):
    before = now(root)
    status = root.host("/var/lib/dpkg/status").read_bytes()
    rewrite(root, "/var/lib/dpkg/status", status)
    root.write("/var/lib/apt/lists/lock", "held")
    root.write("/var/lib/apt/lists/partial/x_Packages", "half a download")
    root.mkdir("/var/lib/apt/lists/auxfiles")
    assert now(root) == before


@pytest.mark.parametrize("change", [
    lambda r: rewrite(r, "/var/lib/dpkg/status",
                      r.host("/var/lib/dpkg/status").read_bytes().replace(b"ok installed",
                                                                          b"ok unpacked", 1)),
    lambda r: r.write("/var/lib/dpkg/updates/0001", "Package: python3\n"),
    lambda r: r.write("/var/lib/apt/extended_states", "Package: python3-six\nAuto-Installed: 1\n"),
    lambda r: r.write("/etc/apt/sources.list.d/ppa.list", "deb http://ppa.example/ jammy main\n"),
    lambda r: r.write("/etc/apt/preferences.d/pin", "Package: *\nPin: release a=stable\n"),
    lambda r: r.symlink("/etc/apt/trusted.gpg.d/debian.asc", "/tmp/other.asc"),
    lambda r: r.write("/var/lib/dpkg/arch", "amd64\ni386\n"),
    lambda r: r.write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n"),
    # apt update: a list of the same size and mtime, but a new file
    lambda r: rewrite(r, LIST, r.host(LIST).read_bytes().replace(b"1+b1", b"1+b2")),
    lambda r: r.write("/var/lib/apt/lists/auxfiles/_srv_local.deb.Packages", "Package: x\n"),
], ids=["status", "dpkg-journal", "auto-installed", "source", "pin", "key-link", "arch",
        "machine-id", "list", "auxfile"])
def test_each_input_of_apts_answers_changes_it(root, change):
    before = now(root)
    change(root)
    assert now(root) != before
