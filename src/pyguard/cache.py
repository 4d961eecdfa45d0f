"""A small on-disk cache for facts that are costly to rebuild and cheap to validate.

Lives in /var/cache/pyguard for root, else in the user's cache dir ($PYGUARD_CACHE_DIR wins).
An entry is used only when its key (what it was built from) still matches and the file is ours
and writable by no one else; anything odd about it means "rebuild", never an error.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import stat
TYPE_CHECKING = False
if TYPE_CHECKING:  # typing's import is a tenth of a kept hook run; annotations are strings
    from typing import Any, Callable, Iterable, Iterator, Optional

FORMAT = 1


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cycle collector while building or loading a large acyclic structure.

    Allocating a hundred thousand dicts and lists makes it run again and again for nothing:
    this halves the time to build dpkg's ownership index.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cache_dir() -> str:
    override = os.environ.get("PYGUARD_CACHE_DIR")
    if override:
        return override
    if os.geteuid() == 0:
        return "/var/cache/pyguard"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyguard")


def digest(text: str) -> str:
    """A short stable name for `text` (FNV-1a, 64 bits): hashlib's import alone (OpenSSL) is a
    tenth of a warm `pyguard rules`, and a file name needs no cryptography."""
    value = 0xcbf29ce484222325
    for byte in text.encode("utf-8", "surrogateescape"):
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _path(name: str, root: str) -> str:
    return os.path.join(cache_dir(), f"{name}-{digest(root)}.marshal")


def load(name: str, root: str, key: Any) -> Optional[Any]:
    path = _path(name, root)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        with os.fdopen(fd, "rb") as f:
            fd = -1
            data = f.read()
        with no_gc():
            stored_format, stored_key, value = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    return value if (stored_format, stored_key) == (FORMAT, key) else None


def store(name: str, root: str, key: Any, value: Any) -> None:
    """Write atomically (a temp file made O_EXCL, then renamed, both relative to one descriptor
    of the cache dir); a cache that cannot be written is skipped, and so is a cache dir that is
    not ours alone (anyone else could swap what we write)."""
    from .placing import write_at

    directory, filename = os.path.split(_path(name, root))
    try:
        os.makedirs(directory, mode=0o755, exist_ok=True)
        data = marshal.dumps((FORMAT, key, value))
        dir_fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            st = os.fstat(dir_fd)
            if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return
            write_at(dir_fd, filename, data, 0o600, replace=True, sync=False)
        finally:
            os.close(dir_fd)
    except (OSError, ValueError):
        pass


def forget(root: str, names: Callable[[str], bool], keep: Iterable[str]) -> None:
    """Remove the entries for `root` whose name `names` picks, but those in `keep`: entries
    named after what a run found (one per site directory) would otherwise stay when that is
    gone. Only in a cache dir that is ours alone, by names inside its descriptor."""
    suffix = f"-{digest(root)}.marshal"
    kept = set(keep)
    dir_fd = _ours_alone()
    if dir_fd is None:
        return
    try:
        for entry in os.listdir(dir_fd):
            name = entry[:-len(suffix)]
            if entry.endswith(suffix) and names(name) and name not in kept:
                with contextlib.suppress(OSError):
                    os.unlink(entry, dir_fd=dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


UNUSED_DAYS = 30
"""An entry no run read or wrote for this long is removed (`prune_unused`)."""


def prune_unused(days: int = UNUSED_DAYS) -> None:
    """Remove the entries (and temp files a killed run left) that no run has read or written
    for `days`: by atime where the mount keeps it, else by mtime. Another installation's kept
    facts (a release upgrade changes the interpreter in their names) and a rescued root's
    would otherwise stay for good. Locks stay. Only in a cache dir that is ours alone."""
    import time

    dir_fd = _ours_alone()
    if dir_fd is None:
        return
    unused_since = time.time() - days * 86400
    try:
        for entry in os.listdir(dir_fd):
            if not (entry.endswith(".marshal") or ".marshal.pyguard-" in entry):
                continue
            with contextlib.suppress(OSError):
                st = os.stat(entry, dir_fd=dir_fd, follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and max(st.st_atime, st.st_mtime) < unused_since:
                    os.unlink(entry, dir_fd=dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def lock(name: str) -> Optional[int]:
    """Hold the lock `name` in the cache dir until the descriptor is closed or the process
    ends; None when another holds it, or the cache dir is not ours alone."""
    import fcntl

    with contextlib.suppress(OSError):
        os.makedirs(cache_dir(), mode=0o755, exist_ok=True)
    dir_fd = _ours_alone()
    if dir_fd is None:
        return None
    try:
        fd = os.open(f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _ours_alone() -> Optional[int]:
    """A descriptor of the cache dir when it is ours and writable by no one else (anyone else
    could swap what we write or remove), else None."""
    try:
        dir_fd = os.open(cache_dir(), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(dir_fd)
    except OSError:
        st = None
    if st is None or st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        os.close(dir_fd)
        return None
    return dir_fd
