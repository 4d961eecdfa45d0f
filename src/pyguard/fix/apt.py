"""What an apt-get install step will unpack, and which local files that overwrites.

Before a step reinstalls a package pyguard asks apt, inside the examined system, whether every
package can be had (--print-uris), has it download them (--download-only: the network is needed
before anything changes, not half-way), asks what it will do (-s), and then reads the .debs apt
fetched: every path a .deb carries whose file on disk differs from the one in the .deb is about
to be overwritten, and is kept in the undo store first. Files of the installed version that the
new one no longer ships, and the files of packages apt removes, are about to be deleted: kept too.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import stat
import subprocess
import tarfile
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Set, Tuple

from ..rootfs import RootFS
from .chroot import run

ARCHIVES = "/var/cache/apt/archives"
_INST = re.compile(r"^Inst (\S+) (?:\[(\S+)\] )?\((\S+) .*?\[(\S+)\]\)", re.M)
_REMV = re.compile(r"^Remv (\S+)", re.M)


class AptError(Exception):
    """apt cannot do what the step asks; the message is apt's own."""


@dataclass(frozen=True)
class Unpack:
    """A package apt will unpack: (re)install or upgrade."""

    name: str
    version: str
    arch: str
    installed: str
    """The version installed now; empty for a new package."""

    @property
    def deb(self) -> str:
        return f"{ARCHIVES}/{self.name}_{self.version.replace(':', '%3a')}_{self.arch}.deb"


@dataclass(frozen=True)
class Changes:
    unpack: Tuple[Unpack, ...]
    remove: Tuple[str, ...]


def _with(argv: Sequence[str], *extra: str) -> str:
    """The step's own apt-get command with extra options, as one shell command."""
    return shlex.join([argv[0], *extra, *argv[1:]])


def check_available(root: str, argv: Sequence[str]) -> Optional[str]:
    """None when apt can get every package of this apt-get command; else apt's reason.

    A package apt cannot download is an error (E:) for a new install but only a message for a
    reinstall ("Reinstallation of X is not possible, it cannot be downloaded."), after which
    apt happily does nothing and exits 0: both count.
    """
    ran = run(root, _with(argv, "--print-uris", "-q"))
    reasons = [line for line in ran.output.splitlines()
               if line.startswith("E:") or "cannot be downloaded" in line]
    if ran.exit_code == 0 and not reasons:
        return None
    return "\n".join(reasons or ran.output.strip().splitlines()[-3:])


def download(root: str, argv: Sequence[str]) -> None:
    ran = run(root, _with(argv, "--download-only", "-qq"))
    if ran.exit_code != 0:
        raise AptError(ran.output.strip())


def simulate(root: str, argv: Sequence[str]) -> Changes:
    ran = run(root, _with(argv, "-s", "-o", "APT::Get::Show-User-Simulation-Note=false"))
    if ran.exit_code != 0:
        raise AptError(ran.output.strip())
    unpack = tuple(Unpack(name.split(":")[0] if ":" in name else name, new, arch, old or "")
                   for name, old, new, arch in _INST.findall(ran.output))
    return Changes(unpack, tuple(_REMV.findall(ran.output)))


def at_risk(root: str, changes: Changes) -> List[str]:
    """Paths inside the root whose present state the unpacking and removals will lose."""
    fs = RootFS(root)
    paths: List[str] = []
    for unpack in changes.unpack:
        shipped = set()
        deb = fs.host_path(fs.resolve(unpack.deb) or unpack.deb)
        for member, differs in _compare(fs, deb):
            shipped.add(member)
            if differs:
                paths.append(member)
        if unpack.installed:
            paths += [p for p in _listed(fs, unpack.name, unpack.arch) if p not in shipped]
    for name in changes.remove:
        paths += _listed(fs, name.split(":")[0], name.partition(":")[2])
    return [p for p in dict.fromkeys(paths) if _is_leaf(fs, p)]


def _is_leaf(fs: RootFS, path: str) -> bool:
    st = fs.lstat(path)
    return st is not None and not stat.S_ISDIR(st.st_mode)


def _listed(fs: RootFS, name: str, arch: str) -> List[str]:
    """Paths of the installed package's .list (name:arch.list on multi-arch packages)."""
    for candidate in (f"{name}:{arch}", name):
        text = fs.read_text(f"/var/lib/dpkg/info/{candidate}.list")
        if text is not None:
            return [line for line in text.splitlines() if line.startswith("/")]
    return []


def _compare(fs: RootFS, deb: str) -> Iterable[Tuple[str, bool]]:
    """Each non-directory member of the .deb, and whether the file on disk differs from it.

    dpkg-deb (the rescuing system's own) unpacks the data member whatever its compression; on a
    rescue system without dpkg, python-debian reads it.
    """
    try:
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except FileNotFoundError:
        yield from _compare_without_dpkg(fs, deb)
        return
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            yield from _members(fs, tar)
    except tarfile.TarError as exc:
        raise AptError(f"{deb}: {exc}") from None
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace")
        if proc.wait() != 0:
            raise AptError(f"dpkg-deb --fsys-tarfile {deb}: {err.strip()}")


def _compare_without_dpkg(fs: RootFS, deb: str) -> Iterable[Tuple[str, bool]]:
    from debian.debfile import DebError, DebFile

    try:
        yield from _members(fs, DebFile(deb).data.tgz())
    except (DebError, tarfile.TarError, OSError) as exc:
        raise AptError(f"{deb}: {exc}") from None


def _members(fs: RootFS, tar: tarfile.TarFile) -> Iterable[Tuple[str, bool]]:
    for member in tar:
        if member.isdir():
            continue
        name = member.name[2:] if member.name.startswith("./") else member.name
        path = "/" + name.lstrip("/")
        yield path, _differs(fs, path, member, tar)


def _differs(fs: RootFS, path: str, member: tarfile.TarInfo, tar: tarfile.TarFile) -> bool:
    resolved = fs.resolve(path, follow_last=False)
    st = fs.lstat(path)
    if st is None or resolved is None:
        return False  # nothing there to lose
    host = fs.host_path(resolved)
    if member.issym():
        return not stat.S_ISLNK(st.st_mode) or os.readlink(host) != member.linkname
    if not stat.S_ISREG(st.st_mode):
        return True
    if member.islnk() or member.size != st.st_size:
        return True
    theirs = hashlib.sha256()
    source = tar.extractfile(member)
    for chunk in iter(lambda: source.read(1 << 20), b""):
        theirs.update(chunk)
    return fs.digest(path, "sha256") != theirs.hexdigest()


def packages_of(changes: Changes) -> Set[str]:
    return {f"{u.name} {u.version}" for u in changes.unpack}
