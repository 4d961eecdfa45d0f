"""pyguard undo from the command line: --list as a table, and counts that agree."""

import os
import shutil
from pathlib import Path

import pytest

from pyguard.fix.store import Store
from test_cli import pyguard


def _fixed(root: Path) -> Store:
    """A fix that moved a directory of two files aside and left a file it had kept unchanged."""
    (root / "srv/app").mkdir(parents=True)
    (root / "srv/app/a.py").write_text("a\n")
    (root / "srv/app/b.py").write_text("b\n")
    (root / "etc").mkdir()
    (root / "etc/pip.conf").write_text("[global]\n")
    store = Store(str(root))
    record = store.new_record("pyguard fix --root x")
    store.keep(record, ["/srv/app"], step=1, whole=True)
    store.keep(record, ["/etc/pip.conf"], step=2)
    record.steps = [{"number": 1}, {"number": 2}]
    record.state = "done"
    store.save(record)
    shutil.rmtree(root / "srv/app")
    return store


@pytest.mark.skipif(os.geteuid() != 0, reason="undo puts files back as root")
def test_undo_counts_the_same_paths_before_and_after(tmp_path):
    root = tmp_path / "root"
    store = _fixed(root)
    (record,) = store.records()
    result = pyguard("undo", "--root", str(root), "--yes")
    (_, safety) = store.records()
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.split("\n") == [
        f"Undo {record.id} (pyguard fix --root x, {record.created}, done): 4 paths go back as "
        "they were before the fix.",
        "Put back 3 of 4 paths; the other 1 was already as before the fix.",
        "",
    ]
    assert sorted(p.name for p in (root / "srv/app").iterdir()) == ["a.py", "b.py"]
    assert safety.entries == []


def test_undo_list_is_a_table_with_a_header(tmp_path):
    root = tmp_path / "root"
    store = _fixed(root)
    first = store.records()[0]
    second = store.new_record("pyguard fix")
    result = pyguard("undo", "--root", str(root), "--list")
    id_width = len(second.id)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.split("\n") == [
        f"{'ID':<{id_width}}  CREATED                    STATE    STEPS  PATHS  COMMAND",
        f"{first.id:<{id_width}}  {first.created}  done         2      4  pyguard fix --root x",
        f"{second.id}  {second.created}  running      0      0  pyguard fix",
        "",
    ]


def test_an_unreadable_record_is_said_and_undo_will_not_guess_the_last_fix(tmp_path):
    """A damaged manifest was skipped silently: --list said "No fixes recorded.", and a plain
    undo took the fix before it for the last one."""
    root = tmp_path / "root"
    store = _fixed(root)
    first = store.records()[0]
    later = store.new_record("pyguard fix")
    manifest = root / f"var/lib/pyguard/undo/{later.id}/manifest.json"
    manifest.write_text("{not json")
    listed = pyguard("undo", "--root", str(root), "--list")
    assert (listed.returncode, listed.stdout.split("\n")[1:], listed.stderr) == (
        3, [f"{first.id}  {first.created}  done       2      4  pyguard fix --root x", ""],
        f"pyguard undo: not listed: {manifest}: not a pyguard undo manifest "
        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1))\n")
    undone = pyguard("undo", "--root", str(root), "--yes")
    assert (undone.returncode, undone.stdout, undone.stderr) == (
        3, "", f"pyguard undo: cannot tell which fix was the last: {manifest}: not a pyguard "
               "undo manifest (Expecting property name enclosed in double quotes: line 1 "
               "column 2 (char 1)). Name the fix to undo: pyguard undo ID (see --list)\n")
    assert not (root / "srv/app").exists()
