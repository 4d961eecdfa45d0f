"""The previous run's findings: one JSON file per examined root, written atomically under a lock.

The files live in the state dir (pyguard.statedir). The text and the json format keep their own
state (so an ad-hoc json run does not swallow the change cron is to mail): the file of `/` is
report-text.json, of another --root DIR report-text-<hash of DIR>.json, so each root keeps its own
history. A file that is not valid state of that root (corrupt, foreign, from
a newer pyguard) is renamed aside with a message and the run starts afresh; it never crashes a run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

FORMAT = "pyguard-report-state/1"
STATE_LIMIT = 64 << 20
"""A state file larger than this is not pyguard's."""
LOCK_TIMEOUT = 600.0
"""Seconds a run waits for another run on the same root to finish."""


class StateError(Exception):
    """The state dir cannot be used at all (not writable, lock held too long)."""


@dataclass(frozen=True)
class Recorded:
    """A finding as the previous run recorded it."""

    rule: str
    subject: str
    severity: str
    title: str
    acknowledged: bool


@dataclass(frozen=True)
class State:
    root: str
    time: float
    findings: Tuple[Recorded, ...]


def state_file(directory: str, root: str, fmt: str = "text") -> str:
    """Where the state of `root` (an absolute, resolved path) for one format is kept."""
    if root == "/":
        return os.path.join(directory, f"report-{fmt}.json")
    digest = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return os.path.join(directory, f"report-{fmt}-{digest}.json")


@contextlib.contextmanager
def locked(path: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive fcntl lock on PATH.lock; a second run on the same root waits its turn."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o755, exist_ok=True)
        fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                     | os.O_CLOEXEC, 0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(errno.EINVAL, "the lock file is not a regular file")
    except OSError as exc:
        raise StateError(f"cannot use the state dir {directory}: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise StateError(f"cannot lock {path}.lock: {exc.strerror or exc}") from None
                if time.monotonic() > deadline:
                    raise StateError(f"another pyguard report has held {path}.lock for "
                                     f"{int(timeout)} s; giving up") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def load(path: str, root: str) -> Tuple[Optional[State], Optional[str]]:
    """(state, message): no file gives (None, None); a bad one is moved aside, with a message."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, _set_aside(path, "it is a symlink")
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ValueError("it is not a regular file")
            data = f.read(STATE_LIMIT + 1)
        if len(data) > STATE_LIMIT:
            raise ValueError(f"it is larger than {STATE_LIMIT} bytes")
        state = _parse(data, root)
    except ValueError as exc:
        return None, _set_aside(path, str(exc))
    return state, None


def _parse(data: bytes, root: str) -> State:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"it is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise ValueError(f"it is not pyguard report state ({FORMAT})"
                         + (f" but {found!r}" if isinstance(found, str) else ""))
    if doc.get("root") != root:
        raise ValueError(f"it is the state of {doc.get('root')!r}, not of {root!r}")
    try:
        findings = tuple(
            Recorded(_str(f["rule"]), _str(f["subject"]), _str(f["severity"]), _str(f["title"]),
                     bool(f.get("acknowledged", False)))
            for f in doc["findings"])
        stamp = float(doc["time"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"its content is damaged ({type(exc).__name__}: {exc})") from None
    return State(root, stamp, findings)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _set_aside(path: str, why: str) -> str:
    aside = f"{path}.bad-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    try:
        dir_fd = os.open(os.path.dirname(os.path.abspath(path)),
                         os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:  # both names in the one directory held
            os.rename(os.path.basename(path), os.path.basename(aside),
                      src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise StateError(f"{path} is not usable ({why}) and cannot be moved aside: "
                         f"{exc.strerror or exc}") from None
    return f"pyguard: the state file {path} was not usable ({why}); moved it to {aside} and started afresh"


def save(path: str, state: State) -> None:
    doc: Dict[str, Any] = {
        "format": FORMAT,
        "root": state.root,
        "time": state.time,
        "findings": [{"rule": f.rule, "subject": f.subject, "severity": f.severity,
                      "title": f.title, "acknowledged": f.acknowledged} for f in state.findings],
    }
    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    try:
        write_atomically(path, text.encode("ascii"))
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_atomically(path: str, data: bytes, mode: int = 0o644) -> None:
    """Write to a temp file beside PATH, fsync, then rename over PATH: readers see old or new.

    The temp file is made O_EXCL and renamed relative to one descriptor of PATH's directory,
    so a directory swapped meanwhile cannot split the two.
    """
    from ..placing import write_at

    directory, name = os.path.split(os.path.abspath(path))
    dir_fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        write_at(dir_fd, name, data, mode, replace=True)
    finally:
        os.close(dir_fd)


def write_output(path: str, data: bytes) -> None:
    """--output FILE: a regular file (or a new one) is replaced atomically, through symlinks;
    anything else (/dev/stdout, a FIFO, a terminal) is written to as it is, never replaced."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "wb") as f:
            f.write(data)
        return
    write_atomically(os.path.realpath(path), data)


def recorded(entries: List[Any]) -> Tuple[Recorded, ...]:
    """This run's entries (see pyguard.report.model.Entry) as the next run will read them."""
    return tuple(Recorded(e.finding.rule, e.finding.subject, e.finding.severity, e.finding.title,
                          e.acknowledged) for e in entries)
