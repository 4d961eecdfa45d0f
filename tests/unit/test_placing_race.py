"""Writes pyguard makes (placed files, state, the undo store) against a tree that a user changes
under it: every write lands in the directory that was resolved, never through a link, and a
FIFO never hangs a read."""

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest

from pyguard import placing
from pyguard.fix.store import Store, StoreError

OUTSIDE = b"outside the root\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "etc/apt").mkdir(parents=True)
    (r / "srv/app/lib").mkdir(parents=True)
    (r / "srv/app/lib/mod.py").write_text("inside\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/mod.py").write_bytes(OUTSIDE)
    return r


def listing(path: Path):
    return sorted(p.name for p in path.iterdir())


def test_a_replacement_is_atomic_and_leaves_no_temp_file(root: Path):
    placing.place(str(root), "/etc/apt/hooks.conf", "one\n", 0o644, replace=False)
    placing.place(str(root), "/etc/apt/hooks.conf", "two\n", 0o640, replace=True)
    st = os.stat(root / "etc/apt/hooks.conf")
    assert ((root / "etc/apt/hooks.conf").read_text(), oct(st.st_mode & 0o777),
            listing(root / "etc/apt")) == ("two\n", "0o640", ["hooks.conf"])


def test_a_link_where_a_file_goes_is_replaced_itself_or_refused_never_followed(root: Path, tmp_path):
    target = tmp_path / "outside/target"
    (root / "etc/apt/new.conf").symlink_to(str(target))  # dangling: O_EXCL refuses it
    (root / "etc/apt/state.json").symlink_to(str(tmp_path / "outside/mod.py"))
    with pytest.raises(FileExistsError):
        placing.place(str(root), "/etc/apt/new.conf", "x\n", 0o644, replace=False)
    placing.write_state(str(root), "/etc/apt/state.json", {"a": 1})
    assert (target.exists(), (tmp_path / "outside/mod.py").read_bytes(),
            (root / "etc/apt/state.json").is_symlink(),
            placing.read_state(str(root), "/etc/apt/state.json")) == (False, OUTSIDE, False, {"a": 1})


def test_a_write_goes_to_the_directory_held_even_if_it_is_swapped_meanwhile(root: Path, tmp_path):
    with placing.parent(str(root), "/srv/app/lib/new.py") as (dir_fd, name):
        os.rename(root / "srv/app/lib", root / "srv/app/lib.real")
        os.symlink(str(tmp_path / "outside"), root / "srv/app/lib")
        placing.write_at(dir_fd, name, b"written\n", 0o644, replace=True)
    assert (listing(tmp_path / "outside"), (root / "srv/app/lib.real/new.py").read_bytes()) == (
        ["mod.py"], b"written\n")


def test_reads_of_state_refuse_a_fifo_a_link_and_do_not_hang(root: Path, tmp_path):
    os.mkfifo(root / "etc/apt/fifo.json")
    (root / "etc/apt/link.json").symlink_to(str(tmp_path / "outside/mod.py"))
    assert (placing.read_state(str(root), "/etc/apt/fifo.json"),
            placing.sha256_in(str(root), "/etc/apt/fifo.json"),
            placing.sha256_in(str(root), "/etc/apt/link.json"),
            placing.sha256_of(str(root / "etc/apt/fifo.json")),
            placing.remove_placed(str(root), "/etc/apt/link.json", hashlib.sha256(OUTSIDE).hexdigest()),
            (tmp_path / "outside/mod.py").read_bytes()) == (None, None, None, None, "kept", OUTSIDE)


def test_make_dirs_and_forget_work_relative_to_the_resolved_parents(root: Path):
    created = []
    placing.make_dirs(str(root), "/usr/local/bin/deep", created)
    placing.write_state(str(root), "/usr/local/bin/deep/state.json", {})
    lines = placing.forget(str(root), "/usr/local/bin/deep/state.json", created)
    assert (created, lines, listing(root)) == (
        ["/usr", "/usr/local", "/usr/local/bin", "/usr/local/bin/deep"],
        ["removed  /usr/local/bin/deep/ (pyguard had created it)",
         "removed  /usr/local/bin/ (pyguard had created it)",
         "removed  /usr/local/ (pyguard had created it)",
         "removed  /usr/ (pyguard had created it)"], ["etc", "srv"])


def test_remove_tree_never_follows_a_link_inside(root: Path, tmp_path):
    (root / "srv/app/lib/out").symlink_to(str(tmp_path / "outside"))
    fd = os.open(root / "srv", os.O_PATH | os.O_DIRECTORY)
    try:
        placing.remove_tree(fd, "app")
    finally:
        os.close(fd)
    assert (listing(root / "srv"), listing(tmp_path / "outside")) == ([], ["mod.py"])


def test_the_store_keeps_a_fifo_as_other_and_a_linked_directory_as_a_link(root: Path, tmp_path):
    os.mkfifo(root / "srv/app/lib/pipe")
    (root / "srv/app/lib/ext").symlink_to(str(tmp_path / "outside"))
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    kept = store.keep(record, ["/srv/app"], step=1)
    files = root / "var/lib/pyguard/undo" / record.id / "files/srv/app/lib"
    assert ([(e.path, e.type, e.target) for e in kept], listing(files),
            json.loads((root / "var/lib/pyguard/undo" / record.id / "manifest.json").read_text())["id"],
            listing(root / "var/lib/pyguard/undo" / record.id)) == (
        [("/srv/app", "dir", ""), ("/srv/app/lib", "dir", ""),
         ("/srv/app/lib/ext", "symlink", str(tmp_path / "outside")),
         ("/srv/app/lib/mod.py", "file", ""), ("/srv/app/lib/pipe", "other", "")],
        ["mod.py"], record.id, ["files", "manifest.json"])


def test_undo_puts_back_through_descriptors_and_never_through_a_link(root: Path, tmp_path):
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    store.keep(record, ["/srv/app/lib/mod.py"], step=1)
    (root / "srv/app/lib/mod.py").unlink()
    (root / "srv/app/lib/mod.py").symlink_to(str(tmp_path / "outside/mod.py"))
    store.restore(record)
    assert ((root / "srv/app/lib/mod.py").is_symlink(), (root / "srv/app/lib/mod.py").read_text(),
            (tmp_path / "outside/mod.py").read_bytes(), listing(root / "srv/app/lib")) == (
        False, "inside\n", OUTSIDE, ["mod.py"])


def test_race_the_store_never_copies_from_outside_while_a_directory_is_swapped(root: Path, tmp_path):
    """A thread swaps the user's lib directory for a link to the host's tree and back, as fast
    as it can, for two seconds, while the store keeps the tree again and again: no kept copy
    ever holds a byte from outside, and no record names anything outside the tree."""
    (root / "srv/app/lib/sub").mkdir()
    (root / "srv/app/lib/sub/mod.py").write_text("inside sub\n")
    (tmp_path / "outside/sub").mkdir()
    (tmp_path / "outside/sub/mod.py").write_bytes(OUTSIDE)
    stop = threading.Event()

    def swapper():
        lib, real = root / "srv/app/lib", root / "srv/app/lib.real"
        while not stop.is_set():
            os.rename(lib, real)
            os.symlink(str(tmp_path / "outside"), lib)
            os.unlink(lib)
            os.rename(real, lib)

    store = Store(str(root))
    outside_sha = hashlib.sha256(OUTSIDE).hexdigest()
    seen = set()
    refused = 0
    thread = threading.Thread(target=swapper)
    thread.start()
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            record = store.new_record("pyguard fix")
            try:
                for entry in store.keep(record, ["/srv/app/lib"], step=1):
                    seen.add((entry.path, entry.type, entry.sha256 == outside_sha))
            except (StoreError, OSError):
                refused += 1
    finally:
        stop.set()
        thread.join()
    copies = {p.read_bytes() for p in (root / "var/lib/pyguard/undo").rglob("*.py")}
    assert (copies - {b"inside\n", b"inside sub\n"},
            {s for s in seen if s[2] or not s[0].startswith("/srv/app/lib")}) == (set(), set())
    assert seen or refused
