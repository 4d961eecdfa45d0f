"""A kept examination is given again only while everything it read still holds (pyguard.memo,
pyguard.journal): every change a fresh run would see makes the next run examine afresh."""

from __future__ import annotations

import ast
import os
import time
from types import SimpleNamespace
from pathlib import Path

import pytest

import pyguard
from conftest import finding_dict
from fakeroot import FakeRoot
from pyguard import cache, engine, examine, journal, memo
from pyguard.journal import NOT_LINK, Journal, fields, holds, keeping, status
from pyguard.rootfs import RootFS

DIST = "/usr/lib/python3/dist-packages"
SIX = f"{DIST}/six.py"


class Runs:
    """Examinations of one root; `examined` says whether the last one ran the rules."""

    def __init__(self, root: FakeRoot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.examined = False
        real = engine.run

        def counting(*args, **kwargs):
            self.examined = True
            return real(*args, **kwargs)

        monkeypatch.setattr(engine, "run", counting)

    def __call__(self, command: str = "doctor"):
        self.examined = False
        run = examine.examine(str(self.root), command=command)
        assert run.problem is None
        return [finding_dict(f) for f in run.report.findings], run.report.notes, run.host


@pytest.fixture
def runs(fake_root, keep, monkeypatch) -> Runs:
    return Runs(fake_root, monkeypatch)


def kept_kinds(cache: Path):
    """The kinds of what is kept: memo-KIND-INSTALLATION-ROOT.marshal."""
    return sorted(p.name[len("memo-"):].rsplit("-", 2)[0] for p in cache.glob("memo-*"))


def fresh(root: FakeRoot):
    """What an examination finds when nothing is kept."""
    run = examine.examine(str(root), command="fix")
    return [finding_dict(f) for f in run.report.findings], run.report.notes, run.host


def test_a_second_run_gives_what_the_first_found_without_examining(runs, keep):
    runs.root.remove("/usr/bin/python3")
    first = runs()
    sites = [DIST, "/usr/lib/python3.11", "/usr/local/lib/python3.11/dist-packages"]
    assert runs.examined and kept_kinds(keep) == sorted(
        ["environment", "examine", "host", "root-shell", "venv-search"]
        + [f"site-{cache.digest(site)[:8]}" for site in sites])
    second = runs()
    assert not runs.examined
    assert second == first == fresh(runs.root)
    assert [f["rule"] for f in first[0]] == ["python3-link"]


def test_one_byte_of_a_packaged_file_changed_with_its_mtime_put_back_is_found(runs):
    assert runs()[0] == []
    host = runs.root.host(SIX)
    before = host.stat()
    host.write_bytes(host.read_bytes().replace(b"six", b"XXX", 1))  # same size
    os.utime(host, ns=(before.st_atime_ns, before.st_mtime_ns))  # only its ctime tells
    found = runs()
    assert runs.examined
    assert found == fresh(runs.root)
    assert [(f["rule"], f["subject"]) for f in found[0]] == [("modified-debian-file",
                                                             "python3-six")]


@pytest.mark.parametrize("change", ["new file", "removed file", "relinked", "link made file",
                                    "status rewritten", "directory swapped"])
def test_every_kind_of_change_makes_the_next_run_examine_afresh(runs, change):
    runs()
    root = runs.root
    if change == "new file":  # a listed directory gains an entry: a start-up hook
        root.write(f"{DIST}/evil.pth", "import os; os.system('true')\n")
    elif change == "removed file":
        root.remove(SIX)
    elif change == "relinked":
        root.remove("/usr/bin/python3")
        root.symlink("/usr/bin/python3", "/usr/local/bin/python3.12")
    elif change == "link made file":
        root.remove("/usr/bin/python3")
        root.write("/usr/bin/python3", "#!/bin/sh\n")
    elif change == "status rewritten":
        root.set_status("python3-six", "install reinstreq half-installed")
    else:  # the same names in a new directory: only the directory's inode tells
        host = root.host(DIST)
        os.rename(host, str(host) + ".old")
        os.mkdir(host)
        for entry in os.listdir(str(host) + ".old"):
            os.rename(os.path.join(str(host) + ".old", entry), os.path.join(host, entry))
        os.rmdir(str(host) + ".old")
    found = runs()
    assert runs.examined
    assert found == fresh(root)


def test_a_run_kept_with_kept_facts_holds_only_while_they_do(runs, keep):
    """The second run takes root's shell and the venv search from the cache: what they read
    is in its journal all the same, so a change to a file only they read ends the kept run."""
    runs.root.write("/root/.bashrc", ". /root/.paths\n")
    runs.root.write("/root/.paths", "export PATH=/opt/a/bin:$PATH\n")
    runs()
    for path in keep.glob("memo-examine-*"):
        path.unlink()
    runs()
    assert runs.examined
    host = runs.root.host("/root/.paths")
    before = host.stat()
    host.write_text("export PATH=/opt/b/bin:$PATH\n")  # same size, mtime put back
    os.utime(host, ns=(before.st_atime_ns, before.st_mtime_ns))
    found = runs()
    assert runs.examined
    assert found == fresh(runs.root)


def test_nothing_changed_but_time_keeps_the_run(runs):
    runs()
    os.utime(runs.root.host("/etc/os-release"))  # read by the run: its status is not the same
    runs()
    assert runs.examined
    runs()
    assert not runs.examined


def test_what_else_a_run_depends_on_is_its_key(runs, monkeypatch, tmp_path):
    runs()
    monkeypatch.setenv("PYGUARD_VENV_ROOTS", "/srv")
    runs()
    assert runs.examined  # another environment
    runs()
    assert not runs.examined
    runs.examined = False
    examine.examine(str(runs.root), only=["python3-link"])
    assert runs.examined  # other options


def test_fix_examines_afresh_always(runs):
    runs()
    runs("fix")
    assert runs.examined


@pytest.mark.parametrize("garbage", [b"", b"\x00not marshal", None])
def test_a_damaged_kept_run_is_examined_again(runs, keep, garbage):
    first = runs()
    (path,) = keep.glob("memo-examine-*")
    if garbage is None:  # the right key, nonsense inside
        import marshal

        from pyguard import cache

        from pyguard.catalogue import rules_stamp

        key = memo.full_key(examine.MEMO, str(runs.root), ((), None, rules_stamp()))
        path.write_bytes(marshal.dumps((cache.FORMAT, key, ({"/": {"": 1}}, {}, ("x",)))))
    else:
        path.write_bytes(garbage)
    assert runs() == first
    assert runs.examined


def test_a_kept_run_others_could_write_is_not_used(runs, keep):
    runs()
    (path,) = keep.glob("memo-examine-*")
    path.chmod(0o666)
    runs()
    assert runs.examined


def test_a_run_right_after_a_change_keeps_nothing(fake_root, keep, monkeypatch):
    """Files changed within RACY_NS of the run's start may change again unseen: nothing kept."""
    monkeypatch.setattr(journal, "RACY_NS", 3600 * 10 ** 9)
    runs = Runs(fake_root, monkeypatch)
    runs()
    assert list(keep.glob("memo-*")) == []
    runs()
    assert runs.examined


def test_a_rescue_root_is_never_kept(fake_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    Runs(fake_root, monkeypatch)()
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").glob("memo-*")) == []


def test_what_no_run_used_for_a_month_is_removed_after_a_run_that_examined(runs, keep):
    """A release upgrade renames this installation's kept facts (the interpreter is in their
    names), a rescue run names its root: without this, those would stay for good."""
    runs()
    now = time.time()
    old = now - (cache.UNUSED_DAYS + 1) * 86400
    for name, (atime, mtime) in {
            "memo-examine-0ld1nsta-0000000000000000.marshal": (old, old),
            "verify-1111111111111111.marshal": (old, old),
            ".verify-1111111111111111.marshal.pyguard-0a0b0c0d0e0f": (old, old),  # a killed run's
            "read-last-week-2222222222222222.marshal": (now - 7 * 86400, old),
            "written-today-3333333333333333.marshal": (old, now),
            "apt-python-index.lock": (old, old)}.items():
        (keep / name).write_bytes(b"")
        os.utime(keep / name, (atime, mtime))
    os.symlink("/nowhere", keep / "link.marshal")
    os.utime(keep / "link.marshal", (old, old), follow_symlinks=False)
    before = sorted(p.name for p in keep.iterdir())
    runs()  # kept: removes nothing
    assert not runs.examined and sorted(p.name for p in keep.iterdir()) == before
    runs.root.remove("/usr/bin/python3")
    runs()
    assert runs.examined
    unused = ["memo-examine-0ld1nsta-0000000000000000.marshal", "verify-1111111111111111.marshal",
              ".verify-1111111111111111.marshal.pyguard-0a0b0c0d0e0f"]
    assert sorted(p.name for p in keep.iterdir()) == [n for n in before if n not in unused]


# -- the journal -----------------------------------------------------------------------------


def journal_of(root: FakeRoot, read) -> Journal:
    with keeping() as kept:
        with RootFS(str(root)) as fs:
            read(fs)
    return kept


def still(root: FakeRoot, kept: Journal) -> bool:
    return holds(str(root), kept.grouped(), kept.host)


def test_the_journal_holds_what_each_reading_saw(fake_root):
    fake_root.symlink("/usr/bin/py", "python3")
    kept = journal_of(fake_root, lambda fs: (fs.read_bytes(SIX), fs.listdir(DIST),
                                             fs.stat("/usr/bin/py"), fs.exists("/nowhere/x")))
    assert kept.unsure == ""
    host = fake_root.host
    assert kept.seen == {
        "/usr": NOT_LINK, "/usr/lib": NOT_LINK, "/usr/lib/python3": NOT_LINK, DIST: status(
            host(DIST).lstat()), SIX: status(host(SIX).lstat()),
        "/usr/bin": NOT_LINK, "/usr/bin/py": ("link", "python3"),
        "/usr/bin/python3": ("link", "python3.11"),
        "/usr/bin/python3.11": status(host("/usr/bin/python3.11").lstat()),
        "/nowhere": None, "/nowhere/x": None}
    assert still(fake_root, kept)


def test_the_journal_does_not_hold_once_anything_it_saw_changed(fake_root):
    def read(fs):
        fs.read_bytes(SIX)
        fs.exists("/nowhere/x")

    kept = journal_of(fake_root, read)
    fake_root.write("/nowhere/x", "now there")
    assert not still(fake_root, kept)
    fake_root.remove("/nowhere")
    assert still(fake_root, kept)
    os.chmod(fake_root.host(SIX), 0o600)
    assert not still(fake_root, kept)


def test_a_component_turned_into_a_symlink_breaks_the_journal(fake_root, tmp_path):
    kept = journal_of(fake_root, lambda fs: fs.read_bytes(SIX))
    lib = fake_root.host("/usr/lib/python3")
    os.rename(lib, tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", lib)  # the same files, reached through a link
    assert not still(fake_root, kept)


def packed(mode: int, ino: int, size: int, time_ns: int) -> bytes:
    """A status as the journal keeps it (uid and gid 0, device 1, one link)."""
    return status(SimpleNamespace(st_mode=mode, st_uid=0, st_gid=0, st_ino=ino, st_dev=1,
                                  st_size=size, st_mtime_ns=time_ns, st_ctime_ns=time_ns,
                                  st_nlink=1))


def test_a_path_seen_two_ways_is_doubted_only_when_they_disagree():
    kept = Journal()
    kept.saw("/a", NOT_LINK)
    kept.saw("/a", packed(0o100644, 1, 3, 5))
    kept.saw("/a", NOT_LINK)
    kept.saw("/l", ("link", "x\udcff"))  # a target that is no UTF-8: the file system's bytes
    kept.saw("/l", packed(0o120777, 2, 1, 5))
    kept.saw("/l", ("link", "x\udcff"))
    assert (kept.unsure, kept.seen) == ("", {"/a": packed(0o100644, 1, 3, 5),
                                             "/l": packed(0o120777, 2, 1, 5) + b"x\xff"})
    assert fields(kept.seen["/a"]) == (0o100644, 0, 0, 1, 1, 3, 5, 5, 1)
    kept.saw("/a", packed(0o100644, 1, 4, 6))
    assert kept.unsure == "/a changed while it was read"
    kept = Journal()
    kept.saw("/l", packed(0o120777, 2, 1, 5) + b"x")
    kept.saw("/l", ("link", "y"))
    kept.saw("/a", packed(0o120777, 3, 1, 5))
    kept.saw("/a", NOT_LINK)
    assert (kept.unsure, kept.seen) == ("/l changed while it was read", {
        "/l": packed(0o120777, 2, 1, 5) + b"x", "/a": packed(0o120777, 3, 1, 5)})


def test_a_descriptor_handed_out_or_an_unreadable_file_makes_the_journal_unsure(fake_root):
    assert journal_of(fake_root, lambda fs: os.close(fs.open_dir("/usr"))).unsure
    os.chmod(fake_root.host(SIX), 0)
    if os.geteuid() != 0:  # root reads it anyway
        assert journal_of(fake_root, lambda fs: fs.read_bytes(SIX)).unsure


# -- what the examination reads besides the root ---------------------------------------------


EXAMINED = ("pyguard.facts", "pyguard.checks", "pyguard.engine", "pyguard.rules",
            "pyguard.actions", "pyguard.findings", "pyguard.streaming")
"""What runs while a memo's journal is kept (examine's own code is the memo's)."""
OUTSIDE = {
    "pyguard.facts.releases": "the release table beside the rule files: in the key (rules_stamp)",
    "pyguard.facts.snapshots": "venv snapshots in pyguard's state: in the journal (host_read)",
    "pyguard.facts.venvs": "PYGUARD_VENV_ROOTS: in the key (run_stamp)",
    "pyguard.rules": "PYGUARD_RULES and the rule files: in the key",
    "pyguard.streaming": "runs lz4 or zstd on a list's bytes read through RootFS (facts.aptlists)",
}
"""Each module of EXAMINED that reads the environment or a file other than through RootFS."""
READS = {"environ", "getenv", "open", "listdir", "scandir", "stat", "lstat", "lexists",
         "exists", "isfile", "isdir", "islink", "glob", "readlink", "walk", "run", "Popen"}


def outside_readers():
    out = set()
    for path in sorted(Path(pyguard.__file__).parent.rglob("*.py")):
        module = ".".join(path.relative_to(Path(pyguard.__file__).parent.parent)
                          .with_suffix("").parts).removesuffix(".__init__")
        if not module.startswith(EXAMINED):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = node.func if isinstance(node, ast.Call) else node
            if isinstance(called, ast.Attribute) and isinstance(called.value, ast.Name) and \
                    called.value.id in ("os", "glob", "subprocess") and called.attr in READS:
                out.add(module)
            elif isinstance(called, ast.Attribute) and called.attr in ("environ", "getenv") and \
                    isinstance(called.value, ast.Name) and called.value.id == "os":
                out.add(module)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id == "open":
                out.add(module)
    return out


def test_the_examination_reads_outside_the_root_only_where_the_memo_knows():
    """A new reading of the environment or a host file would let a kept run hide a change:
    add it to the memo's key or journal, then here."""
    assert outside_readers() == set(OUTSIDE)


# -- the apt hooks ---------------------------------------------------------------------------


@pytest.fixture
def hooks(fake_root, keep, monkeypatch, tmp_path):
    """Run a hook as apt does; `checked` says whether the last one ran its rules."""
    from pyguard.apthooks import check
    from pyguard.cli import main

    monkeypatch.setattr(os, "geteuid", lambda: 0)
    config = tmp_path / "pyguard.conf"
    config.write_text("")
    monkeypatch.setenv("PYGUARD_CONFIG", str(config))
    state = {"checked": False}
    real = check.check

    def counting(*args, **kwargs):
        state["checked"] = True
        return real(*args, **kwargs)

    monkeypatch.setattr(check, "check", counting)

    def run(action="pre-invoke", capsys=None):
        state["checked"] = False
        assert main(["hooks", action, "--root", str(fake_root)]) == 0
        return state["checked"]

    run.config = config
    return run


def test_a_silent_hook_is_kept_and_an_unchanged_system_is_silent_at_once(hooks, capsys):
    assert hooks() and capsys.readouterr() == ("", "")
    assert not hooks() and capsys.readouterr() == ("", "")
    assert hooks("post-invoke")  # each hook keeps its own


def test_a_kept_hook_speaks_once_python3_breaks(hooks, fake_root, capsys):
    hooks()
    capsys.readouterr()
    fake_root.symlink("/usr/bin/python3", "python3.99")
    assert hooks()
    assert "/usr/bin/python3 is not Debian's python3.11  [python3-link]" in capsys.readouterr().err
    assert hooks()  # what it said is not kept: it says it again
    assert "[python3-link]" in capsys.readouterr().err


def test_a_kept_hook_reads_the_config_again_once_it_changed(hooks, fake_root, capsys):
    fake_root.symlink("/usr/bin/python3", "python3.99")
    hooks.config.write_text("[hooks]\napt = no\n")
    assert not hooks() and capsys.readouterr() == ("", "")  # off: silent, checks nothing
    hooks()
    hooks.config.write_text("[hooks]\napt = yes\n")
    assert hooks()
    assert "[python3-link]" in capsys.readouterr().err
