"""Files pyguard places in a system (pip shims, apt hooks, the undo store) and the state that
says they are its.

What pyguard places it records with a sha256, so that removing takes away only an unchanged
file of its own, and the directories it had to create, so that those go too. Every path is
resolved inside the root: a symlink in the examined system (/etc -> /host/etc) can never make
pyguard write outside it. Every write happens relative to a descriptor of the directory that
holds the file (RootFS.open_parent), with O_NOFOLLOW: a parent swapped for a symlink after it
was resolved cannot redirect it. Replacing is atomic: a temp file made with O_EXCL in the same
directory, fsync, rename within that directory.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from typing import Dict, Iterator, List, Optional, Tuple


READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
STATE_LIMIT = 16 << 20


def host_path(root: str, inside: str, follow_last: bool = False) -> str:
    """Host path of `inside`, its parents (and with follow_last the path itself) resolved
    inside the root: for messages and for tools that take a path, never for pyguard's own
    reads and writes (see `parent`)."""
    from .rootfs import RootFS  # a cache write (write_at) needs none of it: kept off its path

    fs = RootFS(root)
    resolved = fs.resolve(inside, follow_last=follow_last)
    if resolved is None:
        raise OSError(errno.ELOOP, f"{inside}: too many levels of symbolic links")
    return fs.host_path(resolved)


@contextlib.contextmanager
def parent(root: str, inside: str) -> Iterator[Tuple[int, str]]:
    """(descriptor of the directory holding `inside`, its final name), resolved inside the
    root afresh (what pyguard wrote a moment ago counts), closed on leaving."""
    from .rootfs import RootFS

    with RootFS(root) as fs:
        fd, name = fs.open_parent(inside)
    try:
        yield fd, name
    finally:
        os.close(fd)


def sha256_fd(fd: int) -> str:
    import hashlib  # OpenSSL's load: only where something is hashed

    digest = hashlib.sha256()
    for chunk in iter(lambda: os.read(fd, 1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def open_regular(dir_fd: int, name: str) -> int:
    """The regular file `name` in `dir_fd`, not followed if a link, never blocking on a FIFO;
    raises OSError (EINVAL when it is not a regular file)."""
    fd = os.open(name, READ, dir_fd=dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
    except BaseException:
        os.close(fd)
        raise
    return fd


def sha256_at(dir_fd: int, name: str) -> Optional[str]:
    """sha256 of the regular file `name` in `dir_fd` (None: missing, a link, not a file)."""
    try:
        fd = open_regular(dir_fd, name)
    except OSError:
        return None
    try:
        return sha256_fd(fd)
    except OSError:
        return None
    finally:
        os.close(fd)


def sha256_in(root: str, inside: str) -> Optional[str]:
    """sha256 of the regular file at `inside` (a link is not followed: it is somebody else's),
    streamed (undo keeps large files too); None if missing, a link or unreadable."""
    try:
        with parent(root, inside) as (dir_fd, name):
            return sha256_at(dir_fd, name)
    except OSError:
        return None


def sha256_of(path: str) -> Optional[str]:
    """sha256 of a host file pyguard itself keeps (its undo store): a regular file only, never
    through a final link, never blocking on a FIFO; None if unreadable."""
    directory, name = os.path.split(os.path.abspath(path))
    try:
        dir_fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return sha256_at(dir_fd, name)
    finally:
        os.close(dir_fd)


def lstat(root: str, inside: str) -> Optional[os.stat_result]:
    """Status of `inside` itself (not followed), or None when it is missing."""
    try:
        with parent(root, inside) as (dir_fd, name):
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None


def read_state(root: str, inside: str) -> Optional[Dict]:
    """The JSON object at `inside`, or None when it is missing or not one."""
    try:
        with parent(root, inside) as (dir_fd, name):
            fd = open_regular(dir_fd, name)
        with os.fdopen(fd, "rb") as f:
            data = f.read(STATE_LIMIT + 1)
        state = json.loads(data.decode("utf-8")) if len(data) <= STATE_LIMIT else None
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def write_state(root: str, inside: str, state: Dict) -> None:
    """Replace the JSON at `inside` atomically."""
    place(root, inside, json.dumps(state, indent=2, sort_keys=True) + "\n", 0o644, replace=True)


def place(root: str, inside: str, text: str, mode: int, replace: bool) -> None:
    """Write a file pyguard places: a new one never over anything that is there (not even a
    dangling link), a replacement atomically (temp file and rename)."""
    with parent(root, inside) as (dir_fd, name):
        write_at(dir_fd, name, text.encode("utf-8"), mode, replace)


def write_at(dir_fd: int, name: str, data: bytes, mode: int, replace: bool,
             owner: Optional[Tuple[int, int]] = None, sync: bool = True) -> None:
    """Write `name` in the directory `dir_fd`: new (O_EXCL, never over anything) or, with
    `replace`, atomically: a temp file created O_EXCL beside it, written, fsync'ed, then renamed
    over it within the same directory. The directory is fsync'ed too (unless not `sync`: a
    cache that is rebuilt when odd need not wait for the disk)."""
    if not replace:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dir_fd)
        try:
            _fill(fd, data, mode, owner, sync)
        finally:
            os.close(fd)
        if sync:
            _sync_dir(dir_fd)
        return
    fd, tmp = _temp_at(dir_fd, name)
    try:
        try:
            _fill(fd, data, mode, owner, sync)
        finally:
            os.close(fd)
        os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    if sync:
        _sync_dir(dir_fd)


def _temp_at(dir_fd: int, name: str) -> Tuple[int, str]:
    """A new empty file beside `name`, made with O_EXCL (never an existing one, nor a link)."""
    for _ in range(100):
        tmp = f".{name[:200]}.pyguard-{os.urandom(6).hex()}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                           0o600, dir_fd=dir_fd), tmp
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "no free temporary name", name)


def _fill(fd: int, data: bytes, mode: int, owner: Optional[Tuple[int, int]], sync: bool) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if owner is not None:
        os.fchown(fd, *owner)
    os.fchmod(fd, mode)  # after chown, which clears set-id bits; and not masked by the umask
    if sync:
        os.fsync(fd)


def _sync_dir(dir_fd: int) -> None:
    """fsync the directory itself, so the new name survives a crash (O_PATH cannot fsync)."""
    try:
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def set_mode(dir_fd: int, name: str, mode: int) -> None:
    """chmod `name` in `dir_fd` without following a link there: through an O_PATH descriptor
    of the entry itself (fchmodat cannot refuse a link); a link is left as it is."""
    fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        if stat.S_ISLNK(os.fstat(fd).st_mode):
            return
        try:
            os.chmod(f"/proc/self/fd/{fd}", mode)
        except FileNotFoundError:  # no /proc: by name, just checked not to be a link
            os.chmod(name, mode, dir_fd=dir_fd)
    finally:
        os.close(fd)


MAX_TREE_DEPTH = 256
"""Directories below one another that pyguard walks into when it keeps or removes a tree: a
user's tree may be deeper than Python's recursion or the open-file limit, and none that
holds Python is."""


def remove_tree(dir_fd: int, name: str, depth: int = 0) -> None:
    """Remove `name` in `dir_fd`, and if it is a real directory all below it, each directory
    entered by descriptor with O_NOFOLLOW (shutil.rmtree takes a dir_fd only from 3.11)."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    if depth >= MAX_TREE_DEPTH:
        raise OSError(errno.ENAMETOOLONG, f"deeper than {MAX_TREE_DEPTH} directories", name)
    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        for child in os.listdir(fd):
            remove_tree(fd, child, depth + 1)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=dir_fd)


def make_dirs(root: str, inside: str, created: List[str], mode: int = 0o755) -> None:
    """Create `inside` and its missing parents, adding each one pyguard made to `created`.

    Each is made with mkdirat relative to its parent's descriptor, so it is made where the
    root says, and never through a link that appeared meanwhile (mkdirat does not follow one).
    """
    from .rootfs import RootFS

    missing = []
    current = inside
    with RootFS(root) as fs:
        while current not in ("/", "") and not fs.is_dir(current):
            missing.append(current)
            current = os.path.dirname(current)
    for directory in reversed(missing):
        with parent(root, directory) as (dir_fd, name):
            os.mkdir(name, mode, dir_fd=dir_fd)
        if directory not in created:
            created.append(directory)


def remove_placed(root: str, inside: str, sha256: Optional[str]) -> str:
    """Remove a file pyguard placed if it is still as placed: "removed", "gone" (not there),
    or "kept" (changed since, or replaced by a link: somebody else's now)."""
    try:
        with parent(root, inside) as (dir_fd, name):
            try:
                os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                return "gone"
            if sha256_at(dir_fd, name) == sha256:
                os.unlink(name, dir_fd=dir_fd)
                return "removed"
    except (FileNotFoundError, NotADirectoryError):
        return "gone"
    return "kept"


def forget(root: str, state_inside: str, created: List[str]) -> List[str]:
    """Remove the state file and, deepest first, the directories pyguard created if empty."""
    with parent(root, state_inside) as (dir_fd, name):
        os.unlink(name, dir_fd=dir_fd)
    lines = []
    for directory in sorted(created, key=len, reverse=True):
        try:
            with parent(root, directory) as (dir_fd, name):
                os.rmdir(name, dir_fd=dir_fd)  # only if empty
            lines.append(f"removed  {directory}/ (pyguard had created it)")
        except OSError:
            pass
    return lines
