"""Start-up budget, held by what runs rather than by time: no module reads a file or starts a
program when imported, the CLI builds only the parser of the command it runs, and a kept apt
hook run imports neither facts nor dataclasses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pyguard
from fakeroot import FakeRoot
from pyguard import cli

SRC = str(Path(pyguard.__file__).parents[1])

IMPORT_EVERYTHING = """
import builtins, importlib, os, pathlib, subprocess, sys
import pyguard
top = pathlib.Path(pyguard.__file__).parent
names = sorted(".".join(p.relative_to(top.parent).with_suffix("").parts).removesuffix(".__init__")
               for p in top.rglob("*.py") if p.name != "__main__.py")
def refuse(what):
    def refused(*args, **kwargs):
        raise AssertionError(f"{what}{args[:1]}")
    return refused
for name in ("open", "stat", "lstat", "listdir", "scandir", "readlink"):
    setattr(os, name, refuse("os." + name))
builtins.open = refuse("open")
subprocess.Popen = refuse("subprocess.Popen")
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        print(name, repr(exc))
"""


def python(code: str, *args: str, env=None) -> str:
    environ = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    done = subprocess.run([sys.executable, "-c", code, *args], env=environ, capture_output=True,
                          text=True, check=True)
    return done.stdout


def test_no_module_reads_a_file_or_starts_a_program_when_imported():
    """Importing is all a module does until it is asked: a command that does not need a module
    pays for its import only (importlib reads the modules themselves through posix, not os)."""
    assert python(IMPORT_EVERYTHING) == ""


@pytest.mark.parametrize("module", sorted(p.stem for p in Path(cli.__file__).with_name(
    "commands").glob("*.py") if not p.stem.startswith("_")))
def test_each_command_lives_in_the_module_named_after_it(module):
    """cli builds the parser of the command it runs only, found by the command's name."""
    command = module.replace("_", "-")
    parser = cli._parser(command)
    (choices,) = [a.choices for a in parser._actions if getattr(a, "choices", None)]
    assert list(choices) == [command]


def test_a_kept_hook_run_imports_no_facts_and_no_dataclasses(tmp_path):
    root = FakeRoot.bookworm(tmp_path / "root")
    (tmp_path / "pyguard.conf").write_text("")
    code = ("import sys, os\n"
            "from pyguard import journal, memo\n"
            "memo.kept_for = lambda root: True\n"
            "journal.RACY_NS = 0\n"
            "os.geteuid = lambda: 0\n"
            "from pyguard.cli import main\n"
            "assert main(['hooks', 'pre-invoke', '--root', sys.argv[1]]) == 0\n"
            "print(sorted(m for m in sys.modules if m in ('dataclasses', 'typing', 'argparse')"
            " or m.startswith(('pyguard.facts', 'pyguard.rootfs', 'pyguard.config',"
            " 'pyguard.engine', 'pyguard.rules'))))\n")
    env = {"PYGUARD_CACHE_DIR": str(tmp_path / "cache"),
           "PYGUARD_CONFIG": str(tmp_path / "pyguard.conf")}
    first = python(code, str(root), env=env)
    assert "pyguard.facts" in first  # the first run checks
    assert python(code, str(root), env=env) == "[]\n"  # the next is kept
