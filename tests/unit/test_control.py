"""RootFS.control: who besides root can change what a path names."""

import os
import struct

import pytest

from pyguard.rootfs import MAX_PATH, MAX_STEPS, Control, Note, RootFS

ALICE, BOB = 1000, 1001

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")


@pytest.fixture
def root(tmp_path):
    base = tmp_path / "root"
    for d in ("etc", "usr/lib/python3/dist-packages", "home/alice/.local/lib", "tmp", "srv/shared",
              "opt/group", "opt/rootgroup"):
        (base / d).mkdir(parents=True)
    os.chown(base / "home/alice", ALICE, ALICE)
    os.chown(base / "home/alice/.local", ALICE, ALICE)
    os.chown(base / "home/alice/.local/lib", ALICE, ALICE)
    (base / "etc/shadow").write_text("x")
    (base / "tmp").chmod(0o1777)
    (base / "srv/shared").chmod(0o777)
    (base / "opt/group").chmod(0o775)
    os.chown(base / "opt/group", 0, 100)
    (base / "opt/rootgroup").chmod(0o775)
    return base


def control(root, path):
    return RootFS(str(root)).control(path)


def test_a_root_owned_file_in_root_owned_directories_is_root_only(root):
    c = control(root, "/etc/shadow")
    assert (c, c.root_only, c.user) == (Control(frozenset(), False), True, None)


def test_a_file_in_a_users_home_is_hers_even_if_root_owns_the_file(root):
    (root / "home/alice/.local/lib/six.py").write_text("x")
    c = control(root, "/home/alice/.local/lib/six.py")
    assert (c, c.root_only, c.user) == (Control(frozenset({ALICE}), False), False, ALICE)


def test_a_missing_path_is_controlled_as_its_parent(root):
    assert control(root, "/home/alice/.local/lib/nothing/deeper") == Control(frozenset({ALICE}), False)
    assert control(root, "/etc/nothing") == Control(frozenset(), False)


def test_a_file_owned_by_another_user_adds_her_uid(root):
    (root / "home/alice/.local/lib/bobs").write_text("x")
    os.chown(root / "home/alice/.local/lib/bobs", BOB, BOB)
    c = control(root, "/home/alice/.local/lib/bobs")
    assert (c, c.user) == (Control(frozenset({ALICE, BOB}), False), None)


def test_a_world_writable_directory_without_sticky_bit_is_anyones(root):
    (root / "srv/shared/f").write_text("x")
    c = control(root, "/srv/shared/f")
    assert (c, c.root_only, c.user) == (Control(frozenset(), True), False, None)


def test_a_group_writable_directory_is_anyones_whatever_its_group(root):
    """Group root too: its members are not root (images run arbitrary uids in group 0)."""
    (root / "opt/group/f").write_text("x")
    (root / "opt/rootgroup/f").write_text("x")
    assert (control(root, "/opt/group/f"), control(root, "/opt/rootgroup/f")) == (
        Control(frozenset(), True), Control(frozenset(), True))


def _acl(*entries):
    """system.posix_acl_access's bytes: version 2, then (tag, permissions, id) each."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_a_directory_an_acl_lets_a_user_write_is_not_roots_alone(root):
    """An ACL's named user shows in the mode's group bits (its mask), nowhere else in stat."""
    acl_dir = root / "opt/acl"
    acl_dir.mkdir(mode=0o755)
    none = 0xFFFFFFFF
    try:
        os.setxattr(acl_dir, "system.posix_acl_access",
                    _acl((0x01, 7, none), (0x02, 7, ALICE), (0x04, 5, none), (0x10, 7, none),
                         (0x20, 5, none)))
    except OSError as exc:
        pytest.skip(f"no POSIX ACLs on {root}: {exc}")
    (acl_dir / "f").write_text("x")
    assert ((acl_dir.stat().st_uid, acl_dir.stat().st_gid), control(root, "/opt/acl/f")) == (
        (0, 0), Control(frozenset(), True))


def test_a_link_of_thousands_of_components_is_resolved_and_controlled(root):
    """A user may make a link as long as the kernel takes (`../` 1,300 times): pyguard follows it
    as the kernel does instead of failing every check that looks there."""
    link = root / "home/alice/.local/lib/deep"
    os.symlink("../" * 1300 + "etc/shadow", link)
    os.lchown(link, ALICE, ALICE)
    fs = RootFS(str(root))
    assert (fs.resolve("/home/alice/.local/lib/deep"), fs.read_text("/home/alice/.local/lib/deep"),
            fs.control("/home/alice/.local/lib/deep"), fs.notes) == (
        "/etc/shadow", "x", Control(frozenset({ALICE}), False), [])



def test_a_lookup_past_path_max_or_the_step_budget_names_nothing(root):
    """Past what the kernel would walk (PATH_MAX, its links' components counted), a path names
    nothing pyguard may act on, as a loop; and its cost stays bounded."""
    home = root / "home/alice/.local/lib"
    for i in range(3):  # each link's target is 4,000 bytes of `x/../`, the last one's next link
        (home / "x").mkdir(exist_ok=True)
        os.symlink("x/../" * 800 + f"hop{i + 1}", home / f"hop{i}")
    fs = RootFS(str(root))
    deep = "/" + "a/" * 3000 + "b"
    assert (fs.resolve(deep), fs.resolve("/home/alice/.local/lib/hop0"),
            fs.control("/home/alice/.local/lib/hop0/f"), fs.control(deep)) == (
        None, None, Control(frozenset(), True), Control(frozenset(), True))
    steps = f"longer than {MAX_PATH} bytes or {MAX_STEPS} components, links followed"
    assert fs.notes == [Note("too-long", deep, steps),
                        Note("too-long", "/home/alice/.local/lib/hop0", steps)]


def test_sticky_tmp_an_entry_is_its_owners_a_missing_name_anyones(root):
    (root / "tmp/roots").write_text("x")
    (root / "tmp/alices").mkdir()
    os.chown(root / "tmp/alices", ALICE, ALICE)
    (root / "tmp/alices/f").write_text("x")
    assert (control(root, "/tmp/roots"), control(root, "/tmp/alices/f"), control(root, "/tmp/none")) == (
        Control(frozenset(), False), Control(frozenset({ALICE}), False), Control(frozenset(), True))


def test_a_symlinked_directory_on_the_way_counts_its_owner_and_its_targets_directories(root):
    (root / "usr/lib/python3/dist-packages/six.py").write_text("x")
    (root / "home/alice/.local/lib/dist").symlink_to("/usr/lib/python3/dist-packages")
    os.lchown(root / "home/alice/.local/lib/dist", ALICE, ALICE)
    (root / "etc/alternatives").symlink_to("/home/alice/.local/lib")
    assert (control(root, "/home/alice/.local/lib/dist/six.py"),
            control(root, "/etc/alternatives/dist/six.py"),
            control(root, "/usr/lib/python3/dist-packages/six.py")) == (
        Control(frozenset({ALICE}), False), Control(frozenset({ALICE}), False), Control(frozenset(), False))


def test_a_final_symlink_is_not_followed(root):
    (root / "etc/link").symlink_to("/home/alice/.local/lib")
    (root / "home/alice/.local/lib/tolink").symlink_to("/etc/shadow")
    assert (control(root, "/etc/link"), control(root, "/home/alice/.local/lib/tolink")) == (
        Control(frozenset(), False), Control(frozenset({ALICE}), False))


def test_dotdot_and_relative_links_stay_inside_and_keep_what_they_passed(root):
    (root / "home/alice/.local/lib/up").symlink_to("../../../../../../etc")
    assert (control(root, "/../../etc/shadow"), control(root, "/home/alice/.local/lib/up/shadow"),
            control(root, "/home/alice/../../etc/shadow")) == (
        Control(frozenset(), False), Control(frozenset({ALICE}), False), Control(frozenset({ALICE}), False))


def test_a_loop_is_anyones_and_an_empty_root_is_roots(root, tmp_path):
    (root / "etc/a").symlink_to("b")
    (root / "etc/b").symlink_to("a")
    (tmp_path / "empty").mkdir()
    assert (control(root, "/etc/a/x"), control(tmp_path / "empty", "/usr/bin/python3")) == (
        Control(frozenset(), True), Control(frozenset(), False))


def test_a_root_directory_owned_by_a_user_makes_everything_hers(tmp_path):
    (tmp_path / "r/etc").mkdir(parents=True)
    os.chown(tmp_path / "r", ALICE, ALICE)
    assert control(tmp_path / "r", "/etc/passwd") == Control(frozenset({ALICE}), False)


def test_answers_are_cached_per_directory(root):
    fs = RootFS(str(root))
    (root / "home/alice/.local/lib/a").write_text("x")
    first = fs.control("/home/alice/.local/lib/a")
    os.chown(root / "home/alice", 0, 0)
    os.chown(root / "home/alice/.local", 0, 0)
    os.chown(root / "home/alice/.local/lib", 0, 0)
    assert (first, fs.control("/home/alice/.local/lib/b")) == (
        Control(frozenset({ALICE}), False), Control(frozenset({ALICE}), False))


def test_open_parent_refuses_a_way_a_user_steers_into_what_she_does_not_control(tmp_path):
    """Her link in her home to /etc: undo or the store must not write or read there."""
    import errno as _errno
    import os as _os

    from pyguard.rootfs import RootFS

    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "home/alice/site").mkdir(parents=True)
    (root / "home/alice/own").mkdir()
    _os.symlink("/etc", root / "home/alice/site/evil")
    _os.symlink("../own", root / "home/alice/site/mine")
    for path in ("home/alice", "home/alice/site", "home/alice/own", "home/alice/site/evil",
                 "home/alice/site/mine"):
        _os.lchown(root / path, 1000, 1000)
    with RootFS(str(root)) as fs:
        try:
            fs.open_parent("/home/alice/site/evil/shadow")
        except OSError as exc:
            assert exc.errno == _errno.EPERM
        else:
            raise AssertionError("followed her link into /etc")
        fd, name = fs.open_parent("/home/alice/site/mine/six.py")  # her own place: fine
        _os.close(fd)
        fd, name = fs.open_parent("/etc/shadow")  # root's own way: fine
        _os.close(fd)
        assert name == "shadow"
