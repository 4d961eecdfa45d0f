"""What an apt-get install step will really do, and which local files that loses.

Before a step reinstalls a package pyguard asks apt, inside the examined system, what it will
do. A reinstall is not always one: on a host behind its archive the installed version may be
gone from every source apt knows, and `--reinstall` then quietly becomes an upgrade of that
package and of everything that depends on its exact version. So pyguard reads apt's own answers
(`apt-cache policy` for what each version is and where it comes from, `apt-get -s` for what a
command does) into a Forecast: it pins each named package to its installed version where the
archive still has it, and says which packages are upgraded, installed or removed where not.

Then, when the step runs, it asks whether every package can be had (--print-uris), has it
download them (--download-only: the network is needed before anything changes, not half-way),
and reads the .debs apt fetched. A file is kept in the undo store when its present state is a
local one that the step loses: a file that differs from dpkg's record of the version installed
now (its md5sums and conffile hashes), never one that merely differs from the new version's.
Files of packages apt removes are kept whole.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shlex
import stat
import subprocess
import tarfile
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple
from urllib.parse import unquote

from ..apt_cache import deb_path
from ..rootfs import RootFS
from .aptstate import fingerprint
from .chroot import run

_INST = re.compile(r"^Inst (\S+) (?:\[(\S+)\] )?\((\S+) .*?\[(\S+)\]\)", re.M)
_REMV = re.compile(r"^Remv (\S+)(?: \[(\S+)\])?", re.M)
_URI = re.compile(r"^'([^']+)' (\S+) \d+", re.M)
_VERSION_LINE = re.compile(r"^ (?:\*\*\*| {3}) (\S+) (-?\d+)$")
_SOURCE_LINE = re.compile(r"^ {8}(-?\d+) (.+)$")
_FILE_LINE = re.compile(r"^ (-?\d+) (.+)$")
DPKG_STATUS = "/var/lib/dpkg/status"
SAME_RELEASE_SUITES = ("", "-security", "-updates")
"""A release's own suite (its point releases), its security and its stable updates: what a
host of that release is meant to follow. Backports and proposed updates are not."""


class AptError(Exception):
    """apt cannot do what the step asks; the message is apt's own."""


# -- where versions come from --------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """A source of packages as its Release file names it (apt-cache policy's `release` line)."""

    origin: str
    """o=: Debian, Ubuntu, or a third party's own name."""
    codename: str
    """n=: bookworm, bookworm-security, jammy-updates."""
    suite: str = ""
    """a=: oldstable-security, stable, jammy-updates."""

    @property
    def name(self) -> str:
        return self.codename or self.suite or self.origin or "an unnamed source"

    def of_release(self, distro: str, codename: str) -> bool:
        """Whether this source is `codename` of `distro` (os-release ID) or its security or
        stable updates: a third party that calls its suite "bookworm" is not Debian."""
        return bool(codename) and self.origin.lower() == distro.lower() and \
            self.codename in tuple(codename + s for s in SAME_RELEASE_SUITES)


@dataclass(frozen=True)
class Policy:
    """apt-cache policy of one package: what is installed, what apt would pick, and where each
    version can be downloaded from."""

    name: str
    installed: str
    """'' when not installed."""
    candidate: str
    sources: Tuple[Tuple[str, Tuple[str, ...]], ...]
    """(version, the Package files that have it): /var/lib/dpkg/status is not a source."""

    def downloadable(self, version: str) -> bool:
        return any(v == version and any(s != DPKG_STATUS for s in files)
                   for v, files in self.sources)

    def files_of(self, version: str) -> Tuple[str, ...]:
        return next((files for v, files in self.sources if v == version), ())


def parse_policy(text: str) -> Dict[str, Policy]:
    """`apt-cache policy NAME...` (LC_ALL=C), by package name as apt prints it."""
    out: Dict[str, Policy] = {}
    name = ""
    fields: Dict[str, str] = {}
    sources: List[Tuple[str, List[str]]] = []

    def done() -> None:
        if name:
            installed = fields.get("Installed", "")
            out[name] = Policy(name, "" if installed == "(none)" else installed,
                               fields.get("Candidate", "").replace("(none)", ""),
                               tuple((v, tuple(f)) for v, f in sources))

    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            done()
            name, fields, sources = line[:-1], {}, []
            continue
        version = _VERSION_LINE.match(line)
        source = _SOURCE_LINE.match(line)
        if version:
            sources.append((version.group(1), []))
        elif source and sources:
            sources[-1][1].append(_package_file(source.group(2)))
        else:
            key, sep, value = line.strip().partition(": ")
            if sep and key in ("Installed", "Candidate"):
                fields[key] = value.strip()
    done()
    return out


def _package_file(text: str) -> str:
    """A Package file as policy names it in both its forms: the URL, suite/component and
    architecture (`http://deb.debian.org/debian bookworm/main amd64 Packages`), or a path."""
    return text.strip()


def parse_releases(text: str) -> Dict[str, Release]:
    """`apt-cache policy` without arguments: each Package file and its Release file's fields."""
    out: Dict[str, Release] = {}
    current = ""
    for line in text.splitlines():
        match = _FILE_LINE.match(line)
        if match:
            current = _package_file(match.group(2))
            current = "" if current == DPKG_STATUS else current  # what is installed: no source
            continue
        words = line.split(None, 1)
        if current and len(words) == 2 and words[0] == "release":
            fields = dict(part.partition("=")[::2] for part in words[1].split(","))
            out[current] = Release(fields.get("o", ""), fields.get("n", ""), fields.get("a", ""))
    return out


def policies(root: str, names: Sequence[str]) -> Dict[str, Policy]:
    if not names:
        return {}
    ran = run(root, shlex.join(["apt-cache", "policy", "--", *names]))
    if ran.exit_code != 0:
        raise AptError(ran.output.strip())
    return parse_policy(ran.output)


def releases(root: str) -> Dict[str, Release]:
    ran = run(root, "apt-cache policy")
    if ran.exit_code != 0:
        raise AptError(ran.output.strip())
    return parse_releases(ran.output)


# -- what a step will do ---------------------------------------------------------------------

REINSTALL, UPGRADE, DOWNGRADE, INSTALL, REMOVE = (
    "reinstall", "upgrade", "downgrade", "install", "remove")


@dataclass(frozen=True)
class PackageChange:
    """One package apt's simulation touches."""

    name: str
    arch: str
    change: str
    """reinstall, upgrade, downgrade, install or remove."""
    installed: str
    """The version installed now; '' for a new package."""
    version: str
    """The version apt unpacks; '' for a removal."""
    named: bool
    """The step names it; otherwise apt pulls it in (or takes it away) for one that is."""
    releases: Tuple[Release, ...] = ()
    """Where `version` comes from."""
    gone: bool = False
    """The installed version is no longer downloadable from any source apt knows."""
    instead_of: str = ""
    """Pinned to the installed version: the version apt would have unpacked unpinned."""


@dataclass(frozen=True)
class Forecast:
    """What one apt-get install command will do, read from apt before anything runs."""

    argv: Tuple[str, ...]
    """The command as pyguard runs it: each named package pinned (NAME=VERSION) to its
    installed version where a source still has that version."""
    versions: Tuple[str, ...]
    """Per named package, the version pinned; '' where apt chooses."""
    candidates: Tuple[str, ...]
    """Per named package, the version apt would choose unpinned ('' if none)."""
    changes: Tuple[PackageChange, ...]
    distro: str
    codename: str
    """The examined system's release (os-release ID and VERSION_CODENAME)."""
    asked_at: str = field(default="", compare=False)
    """aptstate.fingerprint of apt's inputs when apt was asked: while they stay so, so does
    its answer."""

    def of(self, *kinds: str, named: Optional[bool] = None) -> Tuple[PackageChange, ...]:
        return tuple(c for c in self.changes if c.change in kinds and
                     (named is None or c.named == named))

    @property
    def changes_packages(self) -> bool:
        """Anything beyond unpacking the named packages again, or anew: an upgrade, a downgrade,
        a removal."""
        return bool(self.of(UPGRADE, DOWNGRADE, REMOVE))

    @property
    def same_release(self) -> bool:
        """Every package that changes version comes from the system's own release (its
        security or stable updates) and nothing is removed or downgraded: what --allow-upgrade
        allows by default."""
        return not self.of(DOWNGRADE, REMOVE) and all(
            any(r.of_release(self.distro, self.codename) for r in c.releases)
            for c in self.of(UPGRADE, INSTALL))

    def allowed(self, allow_upgrade: Optional[bool]) -> bool:
        """Whether pyguard may run the step: --allow-upgrade (True), --no-allow-upgrade
        (False), or by default (None) where the changes stay within the release."""
        if not self.changes_packages:
            return True
        return self.same_release if allow_upgrade is None else allow_upgrade

    def why_not(self, allow_upgrade: Optional[bool]) -> str:
        """Why pyguard will not run the step under this --allow-upgrade choice ('' if it will)."""
        if self.allowed(allow_upgrade):
            return ""
        if allow_upgrade is False:
            return "not run: --no-allow-upgrade forbids a step that changes packages"
        if self.of(REMOVE, DOWNGRADE):
            why = "it removes or downgrades packages"
        else:
            sources = sorted({r.name for c in self.of(UPGRADE, INSTALL) for r in c.releases
                              if not r.of_release(self.distro, self.codename)} or
                             {"a source apt does not name"})
            release = f"{self.codename}'s own updates" if self.codename else \
                "the system's own release"
            why = f"the new versions come from {', '.join(sources)}, not {release}"
        return f"runs only with --allow-upgrade: {why}"

    def as_changes(self) -> "Changes":
        """The simulation's packages, as the undo store's judgement of local files takes them."""
        unpack = tuple(Unpack(c.name, c.version, c.arch, c.installed) for c in self.changes
                       if c.change != REMOVE)
        removed = [c for c in self.changes if c.change == REMOVE]
        return Changes(unpack, tuple(f"{c.name}:{c.arch}" if c.arch else c.name for c in removed),
                       tuple(c.installed for c in removed))


def pin(packages: Sequence[str], found: Mapping[str, Policy], reinstall: bool
        ) -> Tuple[str, ...]:
    """The version to ask apt for, per named package: for a reinstall, the installed one
    where apt would pick another but a source still has it; '' otherwise (apt's own choice:
    the installed version, an upgrade where it is gone, or a new package's)."""
    out = []
    for name in packages:
        policy = _policy_of(found, name)
        keep = reinstall and policy is not None and bool(policy.installed) and \
            policy.candidate != policy.installed and policy.downloadable(policy.installed)
        out.append(policy.installed if keep and policy else "")
    return tuple(out)


def _policy_of(found: Mapping[str, Policy], name: str) -> Optional[Policy]:
    """A named package's policy; apt prints a native package's name without its arch."""
    return found.get(name) or found.get(name.split(":")[0])


def pinned_argv(argv: Sequence[str], packages: Sequence[str], versions: Sequence[str]
                ) -> Tuple[str, ...]:
    """`argv` with each named package word replaced by NAME=VERSION where a version is pinned."""
    wanted = {p: f"{p}={v}" for p, v in zip(packages, versions) if v}
    return tuple(wanted.get(word, word) if i else word for i, word in enumerate(argv))


def forecast(root: str, argv: Sequence[str], packages: Sequence[str], distro: str,
             codename: str) -> Forecast:
    """Ask apt, inside the root, what `argv` will do once pinned; AptError with apt's words
    when it cannot say (a package it cannot get, dpkg's interrupted work)."""
    reinstall = "--reinstall" in argv
    asked_at = fingerprint(RootFS(root))
    named = policies(root, packages)
    versions = pin(packages, named, reinstall)
    pinned = pinned_argv(argv, packages, versions)
    ran = run(root, _with(pinned, "-s", "-o", "APT::Get::Show-User-Simulation-Note=false"))
    reason = _cannot(ran)
    if reason is not None:
        raise AptError(reason)
    simulated = parse_simulation(ran.output)
    others = [u.name for u in simulated.unpack if _policy_of(named, u.name) is None]
    found = {**named, **policies(root, others)}
    sources = releases(root)
    changes = [_change(u, found, sources, packages) for u in simulated.unpack]
    changes += [PackageChange(name.split(":")[0], name.partition(":")[2], REMOVE, old, "",
                              _is_named(name, packages))
                for name, old in simulated.removed]
    candidates = tuple(p.candidate if p else "" for p in (_policy_of(named, n) for n in packages))
    avoided = {n.split(":")[0]: c for n, v, c in zip(packages, versions, candidates) if v}
    changes = [replace(c, instead_of=avoided[c.name]) if c.named and c.name in avoided else c
               for c in changes]
    return Forecast(pinned, versions, candidates, tuple(changes), distro, codename, asked_at)


def _cannot(ran) -> Optional[str]:
    """apt's own reason when a simulation shows it cannot do what is asked."""
    reasons = [line for line in ran.output.splitlines()
               if line.startswith("E:") or "cannot be downloaded" in line]
    if ran.exit_code == 0 and not reasons:
        return None
    return "\n".join(reasons or ran.output.strip().splitlines()[-3:])


def _is_named(name: str, packages: Sequence[str]) -> bool:
    return name in packages or name.split(":")[0] in packages


def _change(unpack: "Unpack", found: Mapping[str, Policy], sources: Mapping[str, Release],
            packages: Sequence[str]) -> PackageChange:
    policy = _policy_of(found, unpack.name)
    files = policy.files_of(unpack.version) if policy else ()
    releases_of = tuple(dict.fromkeys(sources[f] for f in files if f in sources))
    if not unpack.installed:
        kind = INSTALL
    elif unpack.installed == unpack.version:
        kind = REINSTALL
    else:
        kind = UPGRADE if _newer(unpack.version, unpack.installed) else DOWNGRADE
    gone = bool(unpack.installed) and policy is not None and \
        not policy.downloadable(unpack.installed)
    return PackageChange(unpack.name, unpack.arch, kind, unpack.installed, unpack.version,
                         _is_named(unpack.name, packages), releases_of, gone)


def _newer(a: str, b: str) -> bool:
    """Whether Debian version `a` sorts after `b`, as dpkg sorts them."""
    from ..debversion import compare

    return compare(a, b) > 0


# -- the simulation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unpack:
    """A package apt will unpack: (re)install, upgrade or downgrade."""

    name: str
    version: str
    arch: str
    installed: str
    """The version installed now; empty for a new package."""

    @property
    def deb(self) -> str:
        return deb_path(self.name, self.version, self.arch)


@dataclass(frozen=True)
class Changes:
    unpack: Tuple[Unpack, ...]
    remove: Tuple[str, ...]
    remove_installed: Tuple[str, ...] = ()
    """The installed version of each package of `remove`, as apt showed it."""

    @property
    def removed(self) -> Tuple[Tuple[str, str], ...]:
        versions = self.remove_installed + ("",) * len(self.remove)
        return tuple(zip(self.remove, versions))


def _with(argv: Sequence[str], *extra: str) -> str:
    """The step's own apt-get command with extra options, as one shell command."""
    return shlex.join([argv[0], *extra, *argv[1:]])


@dataclass(frozen=True)
class Downloads:
    """What `apt-get --print-uris` says of an apt-get command."""

    unavailable: Optional[str]
    """None when apt can get every package; else apt's reason. A package apt cannot download
    is an error (E:) for a new install but only a message for a reinstall ("Reinstallation of
    X is not possible, it cannot be downloaded."), after which apt happily does nothing and
    exits 0: both count."""
    in_place: Mapping[str, str]
    """Where apt takes the .debs it does not fetch into its cache: a file: source's own path
    (inside the root), by the name apt gives the .deb in the cache."""
    to_fetch: Tuple[str, ...] = ()
    """The .debs apt has yet to download (those already in its cache it does not list)."""
    asked_at: str = field(default="", compare=False)
    """aptstate.fingerprint when asked (the .debs apt has fetched since are not part of it:
    file: sources are never fetched)."""


def downloads(root: str, argv: Sequence[str]) -> Downloads:
    asked_at = fingerprint(RootFS(root))
    ran = run(root, _with(argv, "--print-uris", "-q"))
    in_place: Dict[str, str] = {}
    to_fetch: List[str] = []
    for uri, name in _URI.findall(ran.output):
        if uri.startswith("file:"):
            path = unquote(uri[len("file:"):])
            path = path[2:] if path.startswith("//") else path  # file:///srv/x as file:/srv/x
            in_place[name] = posixpath.normpath(path)
        else:
            to_fetch.append(name)
    return Downloads(_cannot(ran), in_place, tuple(to_fetch), asked_at)


def download(root: str, argv: Sequence[str]) -> None:
    ran = run(root, _with(argv, "--download-only", "-qq"))
    if ran.exit_code != 0:
        raise AptError(ran.output.strip())


def simulate(root: str, argv: Sequence[str]) -> Changes:
    ran = run(root, _with(argv, "-s", "-o", "APT::Get::Show-User-Simulation-Note=false"))
    if ran.exit_code != 0:
        raise AptError(ran.output.strip())
    return parse_simulation(ran.output)


def parse_simulation(output: str) -> Changes:
    unpack = tuple(Unpack(name.split(":")[0], new, arch, old or "")
                   for name, old, new, arch in _INST.findall(output))
    removed = _REMV.findall(output)
    return Changes(unpack, tuple(n for n, _ in removed), tuple(v for _, v in removed))


# -- dpkg's record of what is installed now ---------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """dpkg's record of an installed package: what a file of it should hold."""

    name: str
    arch: str
    version: str
    md5sums: Mapping[str, str]
    """path -> md5, from info/PKG.md5sums."""
    conffiles: Mapping[str, str]
    """path -> md5, from the Conffiles field of dpkg's status."""
    listed: Tuple[str, ...]
    """Every path of info/PKG.list (directories and links included)."""

    def as_json(self, to: str) -> Dict[str, object]:
        """What the undo record keeps of it; `to` is the version the fix leaves ('' removed)."""
        return {"version": self.version, "to": to, "md5sums": dict(self.md5sums),
                "conffiles": dict(self.conffiles)}


def recorded(fs: RootFS, name: str, arch: str) -> Optional[Recorded]:
    """dpkg's record of the installed NAME (of `arch` where several are), None if none."""
    from ..facts.dpkg import DpkgDatabase

    db = DpkgDatabase(fs)
    package = db.package(name)
    if package is None or not package.installed or \
            (arch and arch != "all" and package.arch not in (arch, "all")):
        return None
    return Recorded(name, package.arch, package.version, db.md5sums(name),
                    {c.path: c.md5 for c in package.conffiles if not c.obsolete},
                    tuple(_listed(fs, name, package.arch)))


def before_fix(root: str, changes: Changes) -> Dict[str, Dict[str, object]]:
    """dpkg's record of each installed package the changes unpack or remove, for the undo
    record, by name:arch: the version before, the version after, md5sums and conffiles."""
    fs = RootFS(root)
    out: Dict[str, Dict[str, object]] = {}
    targets = [(u.name, u.arch, u.version) for u in changes.unpack if u.installed]
    targets += [(n.split(":")[0], n.partition(":")[2], "") for n in changes.remove]
    for name, arch, to in targets:
        record = recorded(fs, name, arch)
        if record is not None:
            out[f"{record.name}:{record.arch}"] = record.as_json(to)
    return out


# -- what the unpacking loses ------------------------------------------------------------------


def at_risk(root: str, changes: Changes, in_place: Mapping[str, str] = {}) -> List[str]:
    """Paths inside the root whose present, local state the unpacking and removals lose.
    `in_place`: the .debs that a file: source holds in place (Downloads.in_place).

    For a package apt unpacks: each path the new version overwrites or no longer ships whose
    state on disk is a local one, judged against dpkg's record of the installed version (a
    file that merely differs from the new version is that version's change, not a local edit).
    For a package apt removes: all its paths.
    """
    fs = RootFS(root)
    paths: List[str] = []
    for unpack in changes.unpack:
        record = recorded(fs, unpack.name, unpack.arch) if unpack.installed else None
        shipped: Set[str] = set()
        lost: List[str] = []
        inside = in_place.get(posixpath.basename(unpack.deb), unpack.deb)
        deb = fs.host_path(fs.resolve(inside) or inside)
        for member, differs in _compare(fs, deb):
            shipped.add(member)
            if differs:
                lost.append(member)
        if unpack.installed:
            listed = record.listed if record else _listed(fs, unpack.name, unpack.arch)
            lost += [p for p in listed if p not in shipped and _is_leaf(fs, p)]
        paths += _local(fs, lost, record, unpack)
    for name in changes.remove:
        paths += _listed(fs, name.split(":")[0], name.partition(":")[2])
    return [p for p in dict.fromkeys(paths) if _is_leaf(fs, p)]


def _local(fs: RootFS, paths: List[str], record: Optional[Recorded], unpack: Unpack
           ) -> List[str]:
    """Of the paths the unpacking overwrites or deletes, those whose state dpkg's record of the
    installed version does not account for.

    A path the record has a hash for is local when it is not a regular file with that hash. A
    path of the package without one (a symlink, mostly) is judged by the installed version's
    .deb: on a reinstall that is the new .deb, which it differs from; on an upgrade the old
    .deb where apt still has it. A path that cannot be judged is kept: nothing is lost."""
    if record is None:
        return list(paths)
    same = unpack.installed == unpack.version
    unhashed = [p for p in paths if p not in record.md5sums and p not in record.conffiles]
    old_deb = None if same else _old_deb(fs, unpack)
    as_installed: Set[str] = set()
    if unhashed and old_deb is not None:
        listed = set(record.listed)
        as_installed = {member for member, differs in _compare(fs, old_deb)
                        if not differs and member in listed}
    out = []
    for path in paths:
        digest = record.conffiles.get(path) or record.md5sums.get(path)
        if digest and digest != "newconffile":
            out += [path] if fs.digest(path, "md5") != digest or not _is_regular(fs, path) else []
        elif path not in as_installed:
            out.append(path)
    return out


def _old_deb(fs: RootFS, unpack: Unpack) -> Optional[str]:
    inside = deb_path(unpack.name, unpack.installed, unpack.arch)
    resolved = fs.resolve(inside)
    return fs.host_path(resolved) if resolved is not None and fs.is_file(resolved) else None


def _is_regular(fs: RootFS, path: str) -> bool:
    st = fs.lstat(path)
    return st is not None and stat.S_ISREG(st.st_mode)


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
    st = fs.lstat(path)
    if st is None:
        return False  # nothing there to lose
    if member.issym():
        return not stat.S_ISLNK(st.st_mode) or fs.readlink(path) != member.linkname
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
