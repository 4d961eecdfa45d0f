"""The root's os-release as pyguard reads it: its own bytes, whatever they hold."""

import os

import pytest

from pyguard.facts.host import OS_RELEASE_LIMIT, HostInfo, parse_os_release
from pyguard.rootfs import Note, RootFS


def host(root):
    fs = RootFS(str(root))
    return parse_os_release(fs), fs.notes


def test_a_latin1_byte_in_a_name_still_gives_the_release(fake_root):
    """A Latin-1 é in PRETTY_NAME made distro raise UnicodeDecodeError, and the run fail."""
    text = fake_root.host("/usr/lib/os-release").read_bytes()
    fake_root.write("/usr/lib/os-release", text.replace(b'PRETTY_NAME="Debian', b'PRETTY_NAME="\xe9dition'))
    assert host(fake_root) == (HostInfo("debian", "12", "bookworm"), [])


def test_an_unclosed_quotation_or_a_huge_file_is_said_not_read(fake_root):
    fake_root.write("/usr/lib/os-release", 'ID=debian\nNAME="Debian\n')
    assert host(fake_root) == (HostInfo("", "", ""), [
        Note("corrupt", "/etc/os-release", "not read: No closing quotation")])
    fake_root.write("/usr/lib/os-release", "ID=debian\nX=" + "y" * OS_RELEASE_LIMIT + "\n")
    too_large = f"{OS_RELEASE_LIMIT + 13} bytes, more than the {OS_RELEASE_LIMIT} read"
    assert host(fake_root) == (HostInfo("", "", ""), [
        Note("too-large", "/etc/os-release", too_large),
        Note("too-large", "/usr/lib/os-release", too_large)])


def test_a_link_out_of_the_root_reads_the_roots_file(fake_root, tmp_path):
    (tmp_path / "outside").write_text("ID=evil\n")
    fake_root.symlink("/etc/os-release", str(tmp_path / "outside"))
    assert host(fake_root)[0] == HostInfo("debian", "12", "bookworm")


SAMPLES = {
    "bookworm": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
                'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
    "noble": 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\n'
             'VERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\n'
             'ID_LIKE=debian\nUBUNTU_CODENAME=noble\n',
    "bionic": 'NAME="Ubuntu"\nVERSION="18.04.6 LTS (Bionic Beaver)"\nID=ubuntu\nID_LIKE=debian\n'
              'VERSION_ID="18.04"\nUBUNTU_CODENAME=bionic\n',
    "old": "NAME='Some Linux'\nVERSION='7, Shiny'\nID='Some Linux'\nVERSION_ID=7\n"
           "# a comment\nHOME_URL=\"https://example.org/a\\\"b\"\n",
    "no codename": 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12"\nID=debian\n'
                   'VERSION_CODENAME=\n',
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_read_as_distro_reads_it(fake_root, name):
    """The same id, version and codename as `distro` (which pyguard used before) gives for
    os-release files that name a version."""
    import distro

    fake_root.write("/usr/lib/os-release", SAMPLES[name])
    path = fake_root.host("/usr/lib/os-release")
    info = distro.LinuxDistribution(include_lsb=False, include_uname=False,
                                    os_release_file=str(path), distro_release_file=os.devnull)
    assert host(fake_root) == (HostInfo(info.id(), info.version(best=False), info.codename()), [])


def test_without_version_id_the_roots_own_debian_version_is_read(fake_root, tmp_path):
    """Debian testing and unstable name no VERSION_ID; distro then read the debian_version of
    the host pyguard ran on (a rescue system's "12.11" for a sid disk)."""
    fake_root.write("/usr/lib/os-release", 'PRETTY_NAME="Debian GNU/Linux forky/sid"\n'
                                           "VERSION_CODENAME=forky\nID=debian\n")
    fake_root.write("/etc/debian_version", "forky/sid\n")
    assert host(fake_root) == (HostInfo("debian", "forky/sid", "forky"), [])
