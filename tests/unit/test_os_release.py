"""The root's os-release as pyguard reads it: its own bytes, whatever they hold."""

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
