"""RootFS against a tree that changes while it reads: nothing outside the root, ever.

A user who owns a directory inside the examined root can swap it for a symlink at any moment.
RootFS opens every directory relative to its parent's descriptor with O_NOFOLLOW, so a swap
gives either the directory it already holds or nothing, never the link's target.
"""

import hashlib
import os
import stat
import threading
import time

import pytest

from pyguard.journal import keeping, status
from pyguard.rootfs import Chain, RootFS

OUTSIDE = "outside the root\n"


@pytest.fixture
def tree(tmp_path):
    """(root, outside): /home/alice/d/secret inside; the same names outside with other bytes."""
    root = tmp_path / "root"
    (root / "home/alice/d").mkdir(parents=True)
    (root / "home/alice/d/secret").write_text("inside\n")
    (root / "home/alice/d/sub").mkdir()
    (root / "home/alice/d/sub/f").write_text("inside sub\n")
    outside = tmp_path / "outside"
    (outside / "d/sub").mkdir(parents=True)
    (outside / "d/secret").write_text(OUTSIDE)
    (outside / "d/sub/f").write_text(OUTSIDE)
    (outside / "d/only-outside").write_text(OUTSIDE)
    return root, outside


def swap(root, outside):
    """Her move: the directory aside, a symlink to the host's tree in its place."""
    os.rename(root / "home/alice/d", root / "home/alice/d.real")
    os.symlink(str(outside / "d"), root / "home/alice/d")


def test_a_directory_swapped_after_it_was_opened_is_still_the_one_read(tree):
    root, outside = tree
    fs = RootFS(str(root))
    assert fs.read_text("/home/alice/d/secret") == "inside\n"
    swap(root, outside)
    assert (fs.read_text("/home/alice/d/secret"), fs.read_text("/home/alice/d/only-outside"),
            fs.listdir("/home/alice/d"), fs.notes) == ("inside\n", None, [], [])  # by its name now: the link, inside the root


def test_a_directory_swapped_between_resolving_and_opening_is_not_followed(tree):
    root, outside = tree
    fs = RootFS(str(root))
    assert fs.resolve("/home/alice/d/secret", follow_last=False) == "/home/alice/d/secret"
    swap(root, outside)  # the path string is resolved, the directory not yet opened
    assert (fs.read_text("/home/alice/d/secret"), fs.stat("/home/alice/d/secret"),
            fs.listdir("/home/alice/d"), list(fs.read_many("/home/alice/d", ["secret"])),
            fs.digest("/home/alice/d/sub/f"), fs.notes) == (None, None, [], [("secret", None)], None, [])


def test_a_fresh_look_after_the_swap_follows_the_link_inside_the_root_only(tree):
    root, outside = tree
    swap(root, outside)  # an absolute target: read as a path inside the root, where it is missing
    fs = RootFS(str(root))
    assert (fs.read_text("/home/alice/d/secret"), fs.resolve("/home/alice/d"),
            fs.chain("/home/alice/d")) == (
        None, str(outside / "d"),
        Chain((fs.chain("/home/alice/d").steps[0],), str(outside / "d"), "missing"))


def test_relative_links_climbing_out_stay_inside(tree):
    root, outside = tree
    depth = len(root.parts)
    (root / "home/alice/up").symlink_to("../" * (depth + 3) + str(outside).lstrip("/") + "/d")
    (root / "home/alice/dots").symlink_to("../../../../../../home/alice/d")
    fs = RootFS(str(root))
    assert (fs.read_text("/home/alice/up/secret"), fs.read_text("/home/alice/dots/secret"),
            fs.read_text("/home/alice/d/../../../../d/secret")) == (None, "inside\n", None)


def test_a_file_swapped_for_a_fifo_or_a_link_is_not_read_and_does_not_hang(tree):
    root, outside = tree
    fs = RootFS(str(root))
    assert fs.read_text("/home/alice/d/sub/f") == "inside sub\n"
    os.unlink(root / "home/alice/d/sub/f")
    os.mkfifo(root / "home/alice/d/sub/f")
    os.unlink(root / "home/alice/d/secret")
    os.symlink(str(outside / "d/secret"), root / "home/alice/d/secret")
    assert (fs.read_text("/home/alice/d/sub/f"), fs.digest("/home/alice/d/sub/f"),
            fs.read_text("/home/alice/d/secret"), fs.is_file("/home/alice/d/secret"),
            list(fs.read_many("/home/alice/d/sub", ["f"])), fs.notes) == (
        None, None, None, False, [("f", None)], [])


def test_a_dangling_link_reads_as_missing(tree):
    root, _ = tree
    (root / "home/alice/d/dangling").symlink_to("/nowhere/at/all")
    fs = RootFS(str(root))
    assert (fs.read_text("/home/alice/d/dangling"), fs.exists("/home/alice/d/dangling"),
            fs.is_symlink("/home/alice/d/dangling"), fs.readlink("/home/alice/d/dangling"),
            fs.notes) == (None, False, True, "/nowhere/at/all", [])


def test_lstat_in_and_open_in_work_relative_to_the_directory_and_refuse_non_files(tree):
    root, outside = tree
    os.mkfifo(root / "home/alice/d/fifo")
    (root / "home/alice/d/link").symlink_to("secret")
    fs = RootFS(str(root))
    fd = fs.open_in("/home/alice/d", "secret")
    try:
        data = os.read(fd, 100)
    finally:
        os.close(fd)
    errors = []
    for name in ("fifo", "link", "sub", "missing"):
        try:
            os.close(fs.open_in("/home/alice/d", name))
        except OSError as exc:
            errors.append((name, exc.errno))
    for name in ("sub/f", ".."):
        try:
            fs.lstat_in("/home/alice/d", name)
        except OSError as exc:
            errors.append((name, exc.errno))
    swap(root, outside)  # a directory not resolved (the link now) is refused, never followed
    try:
        RootFS(str(root)).lstat_in("/home/alice/d/sub", "f")
    except OSError as exc:
        errors.append(("swapped", exc.errno))
    import errno
    assert (data, fs.lstat_in("/home/alice/d", "sub").st_size > 0, errors) == (
        b"inside\n", True,
        [("fifo", errno.EINVAL), ("link", errno.ELOOP), ("sub", errno.EINVAL), ("missing", errno.ENOENT),
         ("sub/f", errno.EINVAL), ("..", errno.EINVAL), ("swapped", errno.ENOTDIR)])


def test_lstat_names_looks_in_the_directory_as_resolved_and_writes_each_down(tree):
    """The verification's batch: each name relative to the directory's descriptor, a link not
    followed, a missing name or directory an error the journal writes down as absent."""
    root, outside = tree
    (root / "home/alice/d/link").symlink_to("secret")
    with keeping() as seen:
        fs = RootFS(str(root))
        found = fs.lstat_names("/home/alice/d", ["secret", "link", "missing", "sub/f"])
        gone = fs.lstat_names("/home/alice/nowhere", ["x"])
    swap(root, outside)  # a directory not resolved (the link now) is refused, never followed
    swapped = RootFS(str(root)).lstat_names("/home/alice/d/sub", ["f"])
    import errno
    kinds = [(path, (type(r).__name__, r.errno) if isinstance(r, OSError)
              else stat.filemode(r.st_mode)) for path, r in found + gone + swapped]
    assert kinds == [("/home/alice/d/secret", "-rw-r--r--"), ("/home/alice/d/link", "lrwxrwxrwx"),
                     ("/home/alice/d/missing", ("FileNotFoundError", errno.ENOENT)),
                     ("/home/alice/d/sub/f", ("OSError", errno.EINVAL)),
                     ("/home/alice/nowhere/x", ("FileNotFoundError", errno.ENOENT)),
                     ("/home/alice/d/sub/f", ("NotADirectoryError", errno.ENOTDIR))]
    assert {path: seen.seen[path] for path in seen.seen if path.startswith("/home/alice/")} == {
        "/home/alice/d/secret": status(found[0][1]), "/home/alice/d/link": status(found[1][1]),
        "/home/alice/d/missing": None, "/home/alice/nowhere/x": None}  # directories: by holds' walk
    assert seen.unsure == "/home/alice/d/sub/f: not a plain name"


def test_open_parent_holds_the_directory_and_names_the_entry(tree):
    root, outside = tree
    fs = RootFS(str(root))
    fd, name = fs.open_parent("/home/alice/d/secret")
    try:
        swap(root, outside)
        with open(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)) as f:
            assert (name, f.read()) == ("secret", "inside\n")
    finally:
        os.close(fd)


def test_few_descriptors_many_directories_many_threads(tmp_path):
    """The descriptor cache evicts under a small budget while threads read: still every byte."""
    root = tmp_path / "root"
    expected = {}
    for i in range(30):
        d = root / f"srv/d{i}/x/y"
        d.mkdir(parents=True)
        for j in range(5):
            (d / f"f{j}").write_text(f"{i}.{j}\n")
            expected[f"/srv/d{i}/x/y/f{j}"] = hashlib.md5(f"{i}.{j}\n".encode()).hexdigest()
    fs = RootFS(str(root))
    fs._max_fds = 3
    results = {}

    def reader(paths):
        for path in paths:
            results[path] = fs.digest(path)

    paths = sorted(expected)
    threads = [threading.Thread(target=reader, args=(paths[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (results, len(fs._fds) <= 3, fs.notes) == (expected, True, [])
    fs.close()
    assert fs.read_text("/srv/d0/x/y/f0") == "0.0\n"  # reopened after close


def test_race_a_directory_swapped_in_a_loop_never_leads_outside(tree):
    """A thread swaps alice's directory for a symlink to the host's tree and back, as fast as
    it can, for two seconds; readers, fresh and long-lived, never see a byte from outside."""
    root, outside = tree
    (outside / "d/secret").write_text(OUTSIDE)
    stop = threading.Event()
    swaps = [0]

    def swapper():
        d, real = root / "home/alice/d", root / "home/alice/d.real"
        target = str(outside / "d")
        while not stop.is_set():
            os.rename(d, real)
            os.symlink(target, d)
            os.unlink(d)
            os.rename(real, d)
            swaps[0] += 1

    seen = set()
    long_lived = RootFS(str(root))
    thread = threading.Thread(target=swapper)
    thread.start()
    reads = 0
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            fresh = RootFS(str(root))
            for fs in (fresh, long_lived):
                seen.add(fs.read_text("/home/alice/d/secret"))
                seen.add(fs.read_text("/home/alice/d/sub/f"))
                seen.add(fs.read_text("/home/alice/d/only-outside"))
                seen.update(fs.listdir("/home/alice/d"))
                seen.update(name for name, _ in fs.read_many("/home/alice/d", ["secret"]) if _)
                reads += 5
            fresh.close()
    finally:
        stop.set()
        thread.join()
    assert seen - {None, "inside\n", "inside sub\n", "secret", "sub", "d"} == set()
    assert reads > 0 and swaps[0] > 0
