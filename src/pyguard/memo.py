"""A run's result kept with what it read, and given again while every bit of that still holds.

A warm `pyguard doctor` on an unchanged system would read the same files and find the same
things. So the examination keeps its report in pyguard's cache together with the journal of
what it read (pyguard.journal): the status of every file it read, directory it listed and link
it followed. The next run looks at each of those again (one lstat each, no file is read) and
gives the kept report when all still match, else examines afresh, as if nothing was kept.

What a run depends on besides the root is its key: pyguard's own code and data (every module
and rule file, by status), this Python, the user it runs as, the options, the config's venv
roots and the environment variables pyguard reads (PYGUARD_*, HOME, XDG_*, the locale). Files
read outside the root (venv snapshots in pyguard's state) are in the journal as host files.
Checks read only through RootFS and are pure (tests/unit/test_memo.py holds the modules that
read the environment or host files to a known list).

As the other caches (pyguard.cache): only the running system's runs are kept, the file is
written atomically and used only when it is ours alone; a damaged, foreign or stale one means
"examine again", never an error. A run that read something it could not fingerprint (an
unreadable file, a descriptor handed out) or saw a timestamp too recent to trust keeps nothing.
"""

from __future__ import annotations

import os
import sys
import time
TYPE_CHECKING = False
if TYPE_CHECKING:  # typing's import is a tenth of a kept hook run; annotations are strings
    from typing import Any, Optional, Tuple

from . import cache
from .journal import Journal, holds, keeping

FORMAT = 1
ENVIRONMENT = ("HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL", "LC_CTYPE")
"""Variables the examination may depend on, besides every PYGUARD_* (state and cache dirs)."""


def kept_for(root: str) -> bool:
    """Only the running system's runs are kept (a rescue run writes nothing)."""
    return root == "/"


def _tree(top: str, out: list) -> None:
    """(path, size, mtime, ctime, inode) of the files below `top` (no bytecode)."""
    try:
        entries = list(os.scandir(top))
    except OSError:
        out.append((top, None))
        return
    for entry in entries:
        if entry.name == "__pycache__":
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if entry.is_dir(follow_symlinks=False):
            _tree(entry.path, out)
        else:
            out.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))


def code_stamp() -> Tuple:
    """pyguard's modules and its data (the rule files and the release table beside them)."""
    from .catalogue import rule_dirs

    out: list = []
    _tree(os.path.dirname(os.path.abspath(__file__)), out)
    for directory in rule_dirs():
        _tree(directory, out)
    return tuple(sorted(out, key=lambda item: item[0]))


def run_stamp() -> Tuple:
    """Who runs pyguard, with which Python and environment."""
    env = tuple(sorted((k, v) for k, v in os.environ.items()
                       if k.startswith("PYGUARD_") or k in ENVIRONMENT))
    return (sys.version, sys.executable, os.geteuid(), os.getegid(), tuple(sorted(os.getgroups())),
            env)


def full_key(kind: str, root: str, key: Any) -> Tuple:
    from . import __version__

    return (FORMAT, __version__, kind, root, key, run_stamp(), code_stamp())


def _name(kind: str) -> str:
    """The cache file's name: one per pyguard installation and interpreter, so that two (the
    package's and a venv's) do not take turns replacing each other's."""
    where = f"{os.path.dirname(os.path.abspath(__file__))}\0{sys.executable}"
    return f"memo-{kind}-{cache.digest(where)[:8]}"


def recall(kind: str, root: str, key: Any) -> Optional[Any]:
    """The value kept for (kind, root, key), if everything it was made from still holds."""
    if not kept_for(root):
        return None
    with cache.no_gc():
        stored = cache.load(_name(kind), root, full_key(kind, root, key))
    if stored.__class__ is not tuple or len(stored) != 3:
        return None
    grouped, host, value = stored
    if grouped.__class__ is not dict or host.__class__ is not dict:
        return None
    return value if holds(os.path.realpath(root), grouped, host) else None


class Recording:
    """`with Recording(kind, root, key) as rec:` run; then `rec.keep(value)` keeps it when the
    run's journal can tell every later change."""

    def __init__(self, kind: str, root: str, key: Any) -> None:
        self.kind, self.root, self.key = kind, root, key
        self.started = time.time_ns()
        self._keeping = keeping()
        self.journal: Journal = self._keeping.journal

    def __enter__(self) -> "Recording":
        if kept_for(self.root):
            self._keeping.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if kept_for(self.root):
            self._keeping.__exit__(*exc)

    def keep(self, value: Any, notes=()) -> bool:
        if not kept_for(self.root):
            return False
        if any(note.code == "unreadable" for note in notes):
            self.journal.doubt("a file could not be read")
        if not self.journal.trustworthy(self.started):
            return False
        cache.store(_name(self.kind), self.root, full_key(self.kind, self.root, self.key),
                    (self.journal.grouped(), dict(self.journal.host), value))
        return True


# -- the report as data -------------------------------------------------------------------------


def report_data(report, host) -> Tuple:
    """A Report and Host as plain tuples marshal keeps (the typed actions by kind and fields)."""
    from dataclasses import astuple, fields

    findings = tuple(
        (f.rule, f.severity, f.title, f.detail, f.subject, tuple(f.paths),
         tuple((step.action.kind, tuple(getattr(step.action, x.name) for x in fields(step.action)),
                step.note) for step in f.repair),
         dict(f.evidence))
        for f in report.findings)
    return (report.root, findings, tuple((p.code, p.message) for p in report.errors),
            tuple((n.code, n.path, n.message) for n in report.notes),
            astuple(host) if host is not None else None)


def report_from(data: Tuple):
    """(Report, Host) from report_data's tuples."""
    from .actions.model import KINDS
    from .findings import Finding, Host, Problem, RepairStep, Report
    from .rootfs import Note

    root, findings, errors, notes, host = data
    report = Report(
        root,
        tuple(Finding(rule, severity, title, detail, subject, paths,
                      tuple(RepairStep(KINDS[kind](*values), note)
                            for kind, values, note in repair),
                      evidence)
              for rule, severity, title, detail, subject, paths, repair, evidence in findings),
        tuple(Problem(*p) for p in errors),
        tuple(Note(*n) for n in notes))
    return report, (Host(*host) if host is not None else None)

