"""A run's result kept with what it read, and given again while every bit of that still holds.

A warm `pyguard doctor` on an unchanged system would read the same files and find the same
things. So the examination keeps its report in pyguard's cache together with the journal of
what it read (pyguard.journal): the status of every file it read, directory it listed and link
it followed. The next run looks at each of those again (one lstat each, no file is read) and
gives the kept report when all still match, else examines afresh, as if nothing was kept.

Single facts that a dpkg run or a venv change leaves alone are kept the same way
(kept_reading): root's shell files, os-release, the environment files, where the venvs are and
each site directory's metadata, each read by a RootFS of its own so that its journal is whole.
A run that finds one unchanged takes it from the cache, and its journal joins the run's: a run
kept with a kept fact still depends on everything that fact read. `fix` uses none (afresh).

What a run depends on besides the root is its key: pyguard's own code (every module, by
status; the rule files are in the keys of the runs that use them), this Python, the user it
runs as, the options, the config's venv roots and the environment variables pyguard reads
(PYGUARD_* but the cache dir, HOME, XDG_STATE_HOME, the locale). Files
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
    from typing import Any, Callable, Iterable, Optional, Sequence, Tuple

from . import cache
from .journal import Journal, holds, keeping

FORMAT = 2
ENVIRONMENT = ("HOME", "XDG_STATE_HOME", "LANG", "LC_ALL", "LC_CTYPE")
"""Variables the examination may depend on, besides every PYGUARD_* (the state dir, roots)."""
WHERE_KEPT = ("PYGUARD_CACHE_DIR",)
"""Where the cache is changes nothing found (XDG_CACHE_HOME is not read either): a kept value
is looked up there, and a run over a copy of the cache finds what it holds."""


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
    """pyguard's modules (the rule files and the release table beside them are in the keys of
    what depends on them: pyguard.catalogue.rules_stamp). Looked at once per process: the code
    running is the code imported, and every kept fact's key holds it."""
    global _code_stamp
    if _code_stamp is None:
        _code_stamp = tree_stamp([os.path.dirname(os.path.abspath(__file__))])
    return _code_stamp


_code_stamp: Optional[Tuple] = None


def tree_stamp(tops) -> Tuple:
    """(path, size, mtime, ctime, inode) of every file below the directories `tops`."""
    out: list = []
    for top in tops:
        _tree(top, out)
    return tuple(sorted(out, key=lambda item: item[0]))


def run_stamp() -> Tuple:
    """Who runs pyguard, with which Python and environment."""
    env = tuple(sorted((k, v) for k, v in os.environ.items()
                       if (k.startswith("PYGUARD_") or k in ENVIRONMENT) and k not in WHERE_KEPT))
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


def forget_all_but(family: str, root: str, kinds: Iterable[str]) -> None:
    """Drop this installation's kept facts named `family`* but `kinds` (each site directory's
    listing is kept by the site's name: a user removed, an interpreter upgraded away would
    leave hers in the cache for good). Only where facts are kept, and never while afresh."""
    if afresh.depth or not kept_for(root):
        return
    ours = _name("")[len("memo-"):]  # "-" and this installation's part of each name
    cache.forget(root, lambda name: name.startswith(f"memo-{family}") and name.endswith(ours),
                 [_name(kind) for kind in kinds])


def recall(kind: str, root: str, key: Any) -> Optional[Any]:
    """The value kept for (kind, root, key), if everything it was made from still holds."""
    found = _holding(kind, root, key)
    return found[2] if found is not None else None


def _holding(kind: str, root: str, key: Any) -> Optional[Tuple]:
    """(fingerprints by directory, host fingerprints, value) kept for (kind, root, key), if
    every fingerprint still holds."""
    if not kept_for(root):
        return None
    with cache.no_gc():
        stored = cache.load(_name(kind), root, full_key(kind, root, key))
    if stored.__class__ is not tuple or len(stored) != 3:
        return None
    grouped, host, _ = stored
    if grouped.__class__ is not dict or host.__class__ is not dict:
        return None
    return stored if holds(os.path.realpath(root), grouped, host) else None


class afresh:
    """`with afresh():` no kept fact is used or kept: `fix` reads everything anew before it
    changes anything (and the tests compare kept runs with such readings)."""

    depth = 0

    def __init__(self, active: bool = True) -> None:
        self.active = active

    def __enter__(self) -> None:
        afresh.depth += self.active

    def __exit__(self, *exc) -> None:
        afresh.depth -= self.active


def kept_reading(kind: str, fs, key: Any, read: Callable[[Any], Any], types: Sequence[type] = ()):
    """read(RootFS) kept as a run is: given again while every file, listing and link it looked
    at still holds, read afresh otherwise. Either way what it looked at goes into `fs`'s journal
    (a run kept with this fact depends on it too), and the notes it made into `fs`'s notes.

    `read` gets a RootFS of its own, with nothing resolved yet, so that its journal holds every
    step of every path (in `fs`, another fact may have resolved a directory already). It must
    read through it alone, and give plain data or frozen dataclasses of `types` (pyguard.plain);
    `key` holds anything else it depends on.
    """
    from . import plain
    from .rootfs import Note, RootFS

    if afresh.depth or not kept_for(fs.root):
        return read(fs)
    found = _holding(kind, fs.root, key)
    if found is not None:
        grouped, host, kept = found
        try:
            data, notes = kept
            value = plain.decode(data, types)
            notes = [Note(*note) for note in notes]
        except (TypeError, ValueError, IndexError):
            pass  # read again
        else:
            if fs.journal is not None:
                fs.journal.take(grouped, host)
            for note in notes:
                fs.note(note.code, note.path, note.message)
            return value
    started = time.time_ns()
    with keeping() as journal:
        with RootFS(fs.root) as own:
            value = read(own)
    for note in own.notes:
        fs.note(note.code, note.path, note.message)
    if fs.journal is not None:
        fs.journal.take(journal.grouped(), journal.host, journal.unsure)
    if any(note.code == "unreadable" for note in own.notes) or not journal.trustworthy(started):
        return value
    try:
        data = plain.encode(value, types)
    except TypeError:
        return value
    notes = tuple((note.code, note.path, note.message) for note in own.notes)
    cache.store(_name(kind), fs.root, full_key(kind, fs.root, key),
                (journal.grouped(), dict(journal.host), (data, notes)))
    return value


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
