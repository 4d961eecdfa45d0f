"""The undo store on fake roots: what is kept, and that restore gives back the same bytes, mode,
owner, link target and time, never writing outside the root."""

import json
import os
from pathlib import Path

import pytest

from pyguard.fix.store import STORE, Entry, Store, StoreError


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "usr/bin").mkdir(parents=True)
    (r / "etc").mkdir()
    (r / "usr/bin/python3.11").write_bytes(b"\x7fELF interpreter")
    (r / "usr/bin/python3").symlink_to("python3.11")
    (r / "etc/pip.conf").write_text("[global]\nbreak-system-packages = true\n")
    os.chmod(r / "etc/pip.conf", 0o640)
    os.utime(r / "etc/pip.conf", ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    site = r / "usr/local/lib/python3.11/dist-packages/six-1.0.dist-info"
    site.mkdir(parents=True)
    (site / "RECORD").write_text("six.py,,\n")
    os.chmod(site, 0o750)
    return r


def state(root: Path, inside: str):
    """What undo must give back: type, bytes or target, mode, owner and mtime."""
    path = root / inside.lstrip("/")
    st = os.lstat(path)
    body = os.readlink(path) if path.is_symlink() else (
        "dir" if path.is_dir() else path.read_bytes())
    mode = None if path.is_symlink() else oct(st.st_mode & 0o7777)
    return body, mode, st.st_uid, st.st_gid, None if path.is_dir() else st.st_mtime_ns


PATHS = ["/usr/bin/python3", "/etc/pip.conf", "/usr/local/lib/python3.11/dist-packages/six-1.0.dist-info",
         "/usr/local/lib/python3.11/dist-packages/six-1.0.dist-info/RECORD"]


def test_restore_puts_back_what_a_fix_changed_exactly(root: Path):
    store = Store(str(root))
    before = {p: state(root, p) for p in PATHS}
    record = store.new_record("pyguard fix")
    kept = store.keep(record, ["/usr/bin/python3", "/etc/pip.conf"], step=1)
    kept += store.keep(record, ["/usr/local/lib/python3.11/dist-packages/six-1.0.dist-info"], step=2)
    assert [(e.path, e.type, e.step) for e in kept] == [
        ("/usr/bin/python3", "symlink", 1), ("/etc/pip.conf", "file", 1),
        ("/usr/local/lib/python3.11/dist-packages/six-1.0.dist-info", "dir", 2),
        ("/usr/local/lib/python3.11/dist-packages/six-1.0.dist-info/RECORD", "file", 2)]

    # what the steps do: relink, edit in place, move a directory away
    (root / "usr/bin/python3").unlink()
    (root / "usr/bin/python3").write_text("#!/bin/sh\n")
    (root / "etc/pip.conf").write_text("# disabled by pyguard: [global]\n")
    os.rename(root / "usr/local/lib/python3.11/dist-packages/six-1.0.dist-info", root / "moved")

    safety, changed = store.restore(store.load(record.id))
    assert {p: state(root, p) for p in PATHS} == before
    assert sorted(e.path for e in changed) == sorted(PATHS)
    # what undo replaced is kept in turn: the script that stood at /usr/bin/python3, the edit
    assert [(e.path, e.type) for e in safety.entries] == [("/usr/bin/python3", "file"),
                                                          ("/etc/pip.conf", "file")]
    assert (root / STORE.lstrip("/") / safety.id / "files/etc/pip.conf").read_text() == \
        "# disabled by pyguard: [global]\n"
    assert store.load(record.id).state == "undone"


def test_a_path_changed_by_two_steps_goes_back_to_before_the_first(root: Path):
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    store.keep(record, ["/etc/pip.conf"], step=1)
    (root / "etc/pip.conf").write_text("step 1\n")
    assert store.keep(record, ["/etc/pip.conf"], step=2) == []
    (root / "etc/pip.conf").write_text("step 2\n")
    store.restore(record)
    assert (root / "etc/pip.conf").read_text() == "[global]\nbreak-system-packages = true\n"


def test_the_manifest_names_path_type_mode_owner_sha256_and_target(root: Path):
    store = Store(str(root))
    record = store.new_record("pyguard fix --root /mnt")
    store.keep(record, ["/etc/pip.conf", "/usr/bin/python3", "/no/such/file"], step=3)
    manifest = json.loads((root / STORE.lstrip("/") / record.id / "manifest.json").read_text())
    uid, gid = os.getuid(), os.getgid()
    assert manifest == {
        "schema": "pyguard-undo/1", "id": record.id, "created": record.created,
        "command": "pyguard fix --root /mnt", "state": "running", "undone_by": "", "refused": [],
        "steps": [], "packages": [], "dpkg_before": {},
        "entries": [
            {"path": "/etc/pip.conf", "type": "file", "mode": "0o640", "uid": uid, "gid": gid,
             "mtime_ns": 1_600_000_000_000_000_000, "size": 38, "step": 3, "target": "", "whole": False,
             "sha256": "36e57a2846a0c36b9318da84f15c93ece479e134d58aecd5b59212a5f576bdc4"},
            {"path": "/usr/bin/python3", "type": "symlink", "mode": "0o777", "uid": uid,
             "gid": gid, "mtime_ns": os.lstat(root / "usr/bin/python3").st_mtime_ns, "size": 0,
             "step": 3, "target": "python3.11", "sha256": "", "whole": False},
        ],
    }


def test_a_directory_taken_away_whole_comes_back_exactly_and_its_successor_is_kept(root: Path):
    venv = root / "srv/app/venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin/python").symlink_to("/usr/local/bin/python3.12")
    (venv / "pyvenv.cfg").write_text("home = /usr/local/bin\n")
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    store.keep(record, ["/srv/app/venv"], step=1, whole=True)
    os.rename(venv, root / "moved")  # the step moves it aside; the next makes it anew
    (venv / "bin").mkdir(parents=True)
    (venv / "bin/python").symlink_to("/usr/bin/python3.11")
    (venv / "lib").mkdir()

    safety, _ = store.restore(record)
    assert sorted(str(p.relative_to(venv)) for p in venv.rglob("*")) == [
        "bin", "bin/python", "pyvenv.cfg"]
    assert os.readlink(venv / "bin/python") == "/usr/local/bin/python3.12"
    assert [(e.path, e.type) for e in safety.entries] == [
        ("/srv/app/venv", "dir"), ("/srv/app/venv/bin", "dir"),
        ("/srv/app/venv/bin/python", "symlink"), ("/srv/app/venv/lib", "dir")]


def test_a_symlinked_parent_is_resolved_inside_the_root(root: Path, tmp_path: Path):
    outside = tmp_path / "host-etc"
    outside.mkdir()
    (outside / "pip.conf").write_text("the host's own\n")
    (root / "srv").symlink_to(str(outside))  # an absolute link: inside the root it is /<that>
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    assert store.keep(record, ["/srv/pip.conf"], step=1) == []  # nothing there inside the root
    store.restore(record)
    assert (outside / "pip.conf").read_text() == "the host's own\n"


def test_a_damaged_manifest_is_a_clear_error(root: Path):
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    (root / STORE.lstrip("/") / record.id / "manifest.json").write_text("{not json")
    with pytest.raises(StoreError, match=rf"{record.id}/manifest.json: not a pyguard undo manifest"):
        store.load(record.id)
    assert store.records() == []
    with pytest.raises(StoreError, match="no undo record nope"):
        store.load("nope")


@pytest.mark.parametrize("change, why", [
    (lambda d: d.update(id="../../../../etc"), "it says it is record '../../../../etc'"),
    (lambda d: d["entries"][0].update(mode="-0o1"), "entry mode -1 is out of range"),
    (lambda d: d["entries"][0].update(uid=2 ** 70), f"entry uid {2 ** 70} is out of range"),
    (lambda d: d["entries"][0].update(path="/etc/../../x"), "entry '/etc/../../x' is not one "
                                                            "pyguard writes"),
    (lambda d: d["entries"][0].update(path=7), "entry path is not a string"),
    (lambda d: d.update(created=None), "a field that is text is not"),
    (lambda d: d.update(dpkg_before=[]), "its steps, packages or dpkg record are not what "
                                         "pyguard writes"),
])
def test_a_manifest_is_used_only_as_pyguard_writes_it(root: Path, change, why):
    """Undo acts as root on what a manifest says: one whose id, mode, owner or path is not what
    pyguard writes once wrote outside its record, restored files mode -rwsrwsrwt, or crashed."""
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    store.keep(record, ["/etc/pip.conf"], step=1)
    manifest = root / STORE.lstrip("/") / record.id / "manifest.json"
    data = json.loads(manifest.read_text())
    change(data)
    manifest.write_text(json.dumps(data))
    with pytest.raises(StoreError) as caught:
        store.load(record.id)
    assert str(caught.value) == f"{manifest}: not a pyguard undo manifest ({why})"


def test_a_manifest_nested_past_pythons_limit_is_refused_not_a_crash(root: Path):
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    manifest = root / STORE.lstrip("/") / record.id / "manifest.json"
    manifest.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(StoreError, match="not a pyguard undo manifest"):
        store.load(record.id)


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_a_kept_copy_missing_or_changed_stops_undo_before_it_changes_anything(root: Path, damage):
    """A missing copy stopped undo halfway, its record left running; a changed one was put back."""
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    store.keep(record, ["/etc/pip.conf", "/usr/local/lib/python3.11/dist-packages/six-1.0.dist-info"],
               step=1)
    (root / "etc/pip.conf").write_text("# disabled by pyguard\n")
    (root / "usr/local/lib/python3.11/dist-packages/six-1.0.dist-info/RECORD").unlink()
    copy = root / STORE.lstrip("/") / record.id / "files/etc/pip.conf"
    copy.unlink() if damage == "missing" else copy.write_text("tampered\n")
    records = sorted(os.listdir(root / STORE.lstrip("/")))
    why = ("cannot be read (No such file or directory)" if damage == "missing" else
           "is not what was kept")
    with pytest.raises(StoreError) as caught:
        store.restore(store.load(record.id))
    assert str(caught.value) == f"/etc/pip.conf: its copy {copy} {why}; nothing was put back"
    assert ((root / "etc/pip.conf").read_text(), sorted(os.listdir(root / STORE.lstrip("/"))),
            store.load(record.id).state) == ("# disabled by pyguard\n", records, "running")


def test_entries_round_trip_through_the_manifest():
    entry = Entry("/a b/ünïcode", "file", 0o4755, 0, 0, 5, 3, "ab", "", 2)
    assert Entry(**{**vars(entry)}) == entry


def test_undo_puts_back_local_edits_never_an_upgraded_packages_old_files(root: Path):
    """What a local edit is, is judged by dpkg's record of the version before the fix: a kept
    file that was exactly that version's stays as the upgrade left it."""
    import hashlib

    site = root / "usr/lib/python3.11"
    site.mkdir(parents=True)
    for name, text in (("json.py", "3.11.2-6+deb12u8\n"), ("edited.py", "edited here\n"),
                       ("old.py", "the removed package's\n"), ("same.py", "reinstalled\n")):
        (site / name).write_text(text)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in site.iterdir()}
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    record.dpkg_before = {
        "libpython3.11-stdlib:amd64": {
            "version": "3.11.2-6+deb12u8", "to": "3.11.2-6+deb12u9", "conffiles": {},
            "md5sums": {"/usr/lib/python3.11/json.py": md5["json.py"],
                        "/usr/lib/python3.11/edited.py": "0" * 32}},
        "python3-old:all": {"version": "1.0", "to": "", "conffiles": {},
                            "md5sums": {"/usr/lib/python3.11/old.py": md5["old.py"]}},
        "python3-same:all": {"version": "2.0", "to": "2.0", "conffiles": {},
                             "md5sums": {"/usr/lib/python3.11/same.py": md5["same.py"]}}}
    store.keep(record, [f"/usr/lib/python3.11/{n}" for n in
                        ("json.py", "edited.py", "old.py", "same.py")], step=1)
    for name in ("json.py", "edited.py", "same.py"):
        (site / name).write_text("as the fix left it\n")
    (site / "old.py").unlink()

    assert [e.path for e in store.superseded(record)] == ["/usr/lib/python3.11/json.py"]
    assert record.package_changes() == [
        ("libpython3.11-stdlib", "3.11.2-6+deb12u8", "3.11.2-6+deb12u9"),
        ("python3-old", "1.0", ""), ("python3-same", "2.0", "2.0")]
    _, changed = store.restore(store.load(record.id))
    assert sorted(e.path for e in changed) == [
        "/usr/lib/python3.11/edited.py", "/usr/lib/python3.11/old.py",
        "/usr/lib/python3.11/same.py"]
    assert {p.name: p.read_text() for p in site.iterdir()} == {
        "json.py": "as the fix left it\n", "edited.py": "edited here\n",
        "old.py": "the removed package's\n", "same.py": "reinstalled\n"}


def test_a_tree_deeper_than_pyguard_keeps_is_refused_before_anything_moves(root: Path):
    """A user's 1,200 nested directories must not end the fix in a RecursionError with its
    record left running: the step is refused, clearly."""
    deep = root / "home/alice/app"
    os.makedirs(deep / "/".join(["d"] * 300))
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    with pytest.raises(StoreError, match="/home/alice/app/" + "d/" * 255 + "d: deeper than 256 "
                       "directories, more than pyguard keeps; nothing was moved"):
        store.keep(record, ["/home/alice/app"], step=1)
    assert store.load(record.id).entries == []


def test_a_copy_that_would_leave_the_store_under_its_reserve_is_refused(root: Path, monkeypatch):
    """A user's sparse file (1 TiB of holes costs her nothing) copied into root's /var would fill
    it: here 64 MiB of holes against a store said to have 1 GiB and 16 MiB free."""
    with open(root / "etc/sparse", "wb") as f:
        f.truncate(64 << 20)
    store = Store(str(root))
    record = store.new_record("pyguard fix")
    real = os.statvfs

    class Vfs:
        f_frsize, f_blocks, f_bavail = 4096, (2 << 30) // 4096, (1040 << 20) // 4096

    monkeypatch.setattr(os, "statvfs", lambda path: Vfs if str(path).startswith(str(root)) else real(path))
    with pytest.raises(StoreError, match=r"^keeping 64\.0 MiB would leave 976\.0 MiB free where "
                       r"the undo store is, under 1\.0 GiB; nothing was moved$"):
        store.keep(record, ["/etc"], step=1)
    assert (store.load(record.id).entries, os.listdir(root / STORE.lstrip("/") / record.id / "files")) == ([], [])
    (root / "etc/sparse").unlink()
    assert [e.path for e in store.keep(record, ["/etc/pip.conf"], step=1)] == ["/etc/pip.conf"]
