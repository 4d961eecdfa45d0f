"""The rule files parsed once and kept (pyguard.catalogue): the same rules as parsing them, read
again when a file or the parser changes, and `pyguard rules` / `explain` import no rule model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyguard import catalogue, journal, rules



@pytest.fixture
def rule_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the rule files, found as pyguard's own, kept in a fresh cache directory."""
    copy = tmp_path / "rules"
    shutil.copytree(catalogue.rule_dirs()[0], copy)  # this checkout's, or the installed ones
    monkeypatch.delenv("PYGUARD_RULES", raising=False)
    monkeypatch.setenv("PYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(catalogue, "rule_dirs", lambda: [str(copy)])
    monkeypatch.setattr(journal, "RACY_NS", 0)  # the copy is seconds old
    return copy


def parsed(directory: Path):
    return [catalogue.text_of(rule).values()
            for rule in rules.read_rules([str(directory)]).values()]


def test_kept_rules_are_the_parsed_rules(rule_dir, tmp_path):
    first = [r.values() for r in catalogue.entries()]
    assert [p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()] == ["rules"]
    kept = [r.values() for r in catalogue.entries()]
    assert kept == first == parsed(rule_dir)
    assert {r.id: (r.title, r.severity) for r in rules.load_rules().values()} == {
        values[0]: (values[4], values[1]) for values in first}


def test_a_changed_rule_file_is_read_again(rule_dir):
    catalogue.entries()
    path = rule_dir / "python3-link.rule"
    before = path.stat()
    path.write_text(path.read_text().replace("Title: ", "Title: CHANGED ", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # only its ctime tells
    assert catalogue.by_id(catalogue.entries())["python3-link"].title.startswith("CHANGED ")
    assert [r.values() for r in catalogue.entries()] == parsed(rule_dir)


def test_a_new_or_removed_rule_file_is_read_again(rule_dir):
    catalogue.entries()
    (rule_dir / "pep668-marker.rule").unlink()
    assert "pep668-marker" not in catalogue.by_id(catalogue.entries())


@pytest.mark.parametrize("garbage", [b"", b"\x00 not marshal", None])
def test_a_damaged_catalogue_is_read_again(rule_dir, tmp_path, garbage):
    expected = [r.values() for r in catalogue.entries()]
    (path,) = (tmp_path / "cache").iterdir()
    if garbage is None:
        import marshal

        from pyguard import cache

        key = marshal.loads(path.read_bytes())[1]
        path.write_bytes(marshal.dumps((cache.FORMAT, key, (("too", "short"),))))
    else:
        path.write_bytes(garbage)
    assert [r.values() for r in catalogue.entries()] == expected


def test_a_broken_rule_file_is_never_kept(rule_dir, tmp_path):
    (rule_dir / "broken.rule").write_text("Rule: broken\n")
    with pytest.raises(rules.RuleError):
        catalogue.entries()
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("argv", [["rules"], ["explain", "python3-link"]])
def test_rules_and_explain_import_no_rule_model_once_kept(tmp_path, argv):
    """Start-up budget: once the catalogue is kept, printing it needs neither the rule model,
    the typed actions nor dataclasses (a third of the command's time)."""
    code = ("import sys, io, contextlib\n"
            "from pyguard.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main({argv!r})\n"
            "print(sorted(m for m in ('dataclasses', 'pyguard.rules', 'pyguard.actions.model',"
            " 'pyguard.findings') if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "PYGUARD_RULES"}
    env["PYGUARD_CACHE_DIR"] = str(tmp_path / "cache")
    env["PYTHONPATH"] = str(Path(catalogue.__file__).parents[1])  # where this pyguard is
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, cwd=tmp_path, check=True)
    assert done.stdout == "[]\n"
