"""RootFS: reading a root whose symlinks must never lead pyguard outside it."""

import os
import socket

import pytest

from pyguard.rootfs import Chain, LinkStep, Note, RootFS


@pytest.fixture
def root(tmp_path):
    base = tmp_path / "root"
    (base / "etc").mkdir(parents=True)
    (base / "usr/bin").mkdir(parents=True)
    (base / "bin").symlink_to("usr/bin")
    return base


def test_absolute_symlink_target_restarts_at_the_root(root):
    (root / "usr/bin/python3.11").write_text("inside")
    (root / "etc/py").symlink_to("/usr/bin/python3.11")
    fs = RootFS(str(root))
    assert (fs.resolve("/etc/py"), fs.read_text("/etc/py")) == ("/usr/bin/python3.11", "inside")


def test_link_to_etc_passwd_reads_the_roots_file_not_the_hosts(root):
    (root / "etc/passwd").write_text("root:x:0:0:fake:/root:/bin/sh\n")
    (root / "usr/bin/pw").symlink_to("/etc/passwd")
    assert RootFS(str(root)).read_text("/usr/bin/pw") == "root:x:0:0:fake:/root:/bin/sh\n"


def test_dotdot_never_climbs_above_the_root(root):
    (root / "etc/passwd").write_text("fake\n")
    (root / "usr/bin/escape").symlink_to("../../../../../../etc/passwd")
    fs = RootFS(str(root))
    assert (fs.resolve("/usr/bin/escape"), fs.read_text("/usr/bin/escape")) == ("/etc/passwd", "fake\n")


def test_dotdot_in_a_requested_path_stays_inside(root):
    (root / "etc/hostname").write_text("fake\n")
    assert RootFS(str(root)).read_text("/../../etc/hostname") == "fake\n"


def test_missing_target_reads_as_none_not_the_host_file(root):
    (root / "usr/bin/shadow").symlink_to("/etc/shadow")
    fs = RootFS(str(root))
    assert (fs.read_text("/usr/bin/shadow"), fs.exists("/usr/bin/shadow"), fs.notes) == (None, False, [])


def test_symlink_loop_is_noted_not_raised(root):
    (root / "etc/a").symlink_to("b")
    (root / "etc/b").symlink_to("a")
    fs = RootFS(str(root))
    assert (fs.read_text("/etc/a"), fs.notes) == (
        None, [Note("symlink-loop", "/etc/a", "too many levels of symbolic links")])


def test_chain_reports_a_loop(root):
    (root / "usr/bin/python3").symlink_to("python3")
    assert RootFS(str(root)).chain("/usr/bin/python3") == Chain(
        (LinkStep("/usr/bin/python3", "python3"),), "/usr/bin/python3", "loop")


def test_file_over_the_limit_is_noted_and_not_read(root):
    (root / "etc/big").write_bytes(b"x" * 2000)
    fs = RootFS(str(root))
    assert (fs.read_bytes("/etc/big", limit=1000), fs.notes) == (
        None, [Note("too-large", "/etc/big", "2000 bytes, more than the 1000 read")])


def test_file_at_the_limit_is_read(root):
    (root / "etc/exact").write_bytes(b"x" * 1000)
    assert RootFS(str(root)).read_bytes("/etc/exact", limit=1000) == b"x" * 1000


def test_unreadable_file_is_noted(root, monkeypatch):
    (root / "etc/secret").write_text("s")
    fs = RootFS(str(root))
    real_open = os.open

    def deny(path, *args, **kwargs):
        if str(path) == "secret":  # opened relative to its directory's descriptor
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    assert (fs.read_text("/etc/secret"), fs.notes) == (
        None, [Note("unreadable", "/etc/secret", "Permission denied")])


def test_fifo_and_socket_are_not_files_and_do_not_hang(root):
    os.mkfifo(root / "etc/fifo")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "etc/sock"))
        fs = RootFS(str(root))
        assert (fs.read_bytes("/etc/fifo"), fs.read_bytes("/etc/sock"), fs.is_file("/etc/fifo"),
                fs.listdir("/etc/fifo/x"), fs.read_bytes("/etc/fifo/x")) == (None, None, False, [], None)
    finally:
        sock.close()


def test_odd_names_are_listed_and_read(root):
    newline = "new\nline.py"
    latin1 = os.fsdecode(b"caf\xe9.py")
    (root / "etc" / newline).write_text("a")
    with open(os.fsencode(root / "etc") + b"/caf\xe9.py", "wb") as f:
        f.write(b"b\xff")
    fs = RootFS(str(root))
    assert fs.listdir("/etc") == sorted([latin1, newline])
    assert (fs.read_text("/etc/" + newline), fs.read_bytes("/etc/" + latin1)) == ("a", b"b\xff")
    assert fs.read_text("/etc/" + latin1) == "b\udcff"


def test_chain_follows_python3_through_etc_alternatives_step_by_step(root):
    (root / "etc/alternatives").mkdir()
    (root / "usr/local/bin").mkdir(parents=True)
    (root / "usr/local/bin/python3.12").write_bytes(b"\x7fELF")
    (root / "usr/bin/python3").symlink_to("/etc/alternatives/python3")
    (root / "etc/alternatives/python3").symlink_to("/bin/python3.12")
    (root / "usr/bin/python3.12").symlink_to("../local/bin/python3.12")
    assert RootFS(str(root)).chain("/usr/bin/python3") == Chain(
        (LinkStep("/usr/bin/python3", "/etc/alternatives/python3"),
         LinkStep("/etc/alternatives/python3", "/bin/python3.12"),
         LinkStep("/usr/bin/python3.12", "../local/bin/python3.12")),
        "/usr/local/bin/python3.12", "file")


def test_chain_of_a_dangling_link_ends_missing(root):
    (root / "usr/bin/python3").symlink_to("python3.11")
    assert RootFS(str(root)).chain("/usr/bin/python3") == Chain(
        (LinkStep("/usr/bin/python3", "python3.11"),), "/usr/bin/python3.11", "missing")


def test_walk_does_not_follow_symlinked_directories(root):
    (root / "usr/lib").mkdir()
    (root / "usr/lib/a.py").write_text("")
    (root / "usr/lib/loop").symlink_to("/usr")
    assert list(RootFS(str(root)).walk("/usr/lib")) == ["/usr/lib/a.py", "/usr/lib/loop"]


def test_digest_streams_a_file_inside_the_root_and_refuses_what_read_bytes_refuses(tmp_path):
    import hashlib

    from pyguard.rootfs import RootFS

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/data").write_bytes(b"x" * (3 << 20))
    (tmp_path / "etc/link").symlink_to("/etc/data")
    fs = RootFS(str(tmp_path))
    assert (fs.digest("/etc/link"), fs.digest("/etc/data", limit=1 << 20), fs.digest("/etc"),
            fs.digest("/etc/missing"), [n.code for n in fs.notes]) == (
        hashlib.md5(b"x" * (3 << 20)).hexdigest(), None, None, None, ["too-large"])


def test_read_many_reads_files_of_one_directory_and_never_follows_a_link(root, tmp_path):
    (tmp_path / "secret").write_text("the host's\n")
    (root / "etc/a.list").write_text("/.\n/usr\n")
    (root / "etc/link.list").symlink_to(str(tmp_path / "secret"))
    (root / "etc/dir.list").mkdir()
    fs = RootFS(str(root))
    assert list(fs.read_many("/etc", ["a.list", "link.list", "dir.list", "gone.list"])) == [
        ("a.list", b"/.\n/usr\n"), ("link.list", None), ("dir.list", None), ("gone.list", None)]
    assert list(fs.read_many("/nowhere", ["a.list"])) == [("a.list", None)]
