"""The repair vocabulary: what a step does, as data.

A rule's repair names these actions (rules/*.rule, `Repair:` lines such as
`$ move-aside paths={move} label={label}`); the engine fills them from a finding's evidence and
decides who each one runs as. Everything else asks the action: the shell command a person reads,
the paths fix keeps in the undo store, the risk label, the JSON. Nothing parses shell text back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Dict, Tuple, Union

from ..apt_cache import deb_parts
from .effects import Effects
from .quoting import quote

ASIDE = "/var/lib/pyguard/aside"
ROOT_USER = "root"
COMMENT = "# disabled by pyguard: "

Edit = Tuple[str, Tuple[int, ...]]
"""A file inside the root and the 1-based numbers of the lines to comment out in it."""


def _q(words) -> str:
    return " ".join(quote(w) for w in words)


def _relative(paths) -> Tuple[str, ...]:
    return tuple(p.lstrip("/") or "." for p in paths)


def _archive(label: str, suffix: str = "") -> str:
    """The shell words that make a new, never existing archive name under ASIDE."""
    return f'"$(mktemp --suffix=.tar.gz {ASIDE}/{label}{suffix}.XXXXXX)"'


def _with_env(user: str, variables: Tuple[Tuple[str, str], ...], words: Tuple[str, ...]) -> str:
    """`env NAME=VALUE ... WORDS` as `user`, each variable with an empty value left out: a tool
    told where its own directories are, not left to guess from the caller's environment."""
    named = tuple(f"{name}={value}" for name, value in variables if value)
    return as_user(user, _q(("env",) + named + words))


def as_user(user: str, command: str) -> str:
    """`command` (one simple command) run with the rights of `user`: root runs it as is."""
    return command if user == ROOT_USER else f"runuser -u {quote(user)} -- {command}"


@dataclass(frozen=True)
class Reinstall:
    """Unpack packages again as Debian shipped them (apt-get install --reinstall)."""

    packages: Tuple[str, ...]
    versions: Tuple[str, ...] = ()
    """Exact versions to reinstall, one per package ('' = apt's choice); fix pins the installed
    version where the archive still has it."""
    conffiles: str = "keep"
    """keep (dpkg's default), restore-missing (--force-confmiss) or replace (edited ones are
    replaced; dpkg keeps each as FILE.dpkg-old)."""

    kind = "reinstall"

    def words(self) -> Tuple[str, ...]:
        options = {"keep": (), "restore-missing": ("-o", "Dpkg::Options::=--force-confmiss"),
                   "replace": ("-o", "Dpkg::Options::=--force-confask",
                               "-o", "Dpkg::Options::=--force-confnew")}[self.conffiles]
        pinned = tuple(f"{p}={v}" if v else p
                       for p, v in zip(self.packages, self.versions + ("",) * len(self.packages)))
        return ("apt-get", "install", "--reinstall", "-y") + options + pinned

    def command(self) -> str:
        return _q(self.words())

    def effects(self) -> Effects:
        return Effects(packages=self.packages, replaces_conffiles=self.conffiles == "replace")


@dataclass(frozen=True)
class Install:
    """Install packages (apt-get install), after refreshing apt's lists where asked."""

    packages: Tuple[str, ...]
    refresh: bool = False

    kind = "install"

    def words(self) -> Tuple[str, ...]:
        return ("apt-get", "install", "-y") + self.packages

    def command(self) -> str:
        install = _q(self.words())
        return f"apt-get update && {install}" if self.refresh else install

    def effects(self) -> Effects:
        return Effects(packages=self.packages)


@dataclass(frozen=True)
class FixBroken:
    """Have apt install what packages dpkg unpacked wait for, and configure every package left
    half done (apt-get install -f). Named on the command line, those packages are refused on a
    system apt finds broken ("Unmet dependencies. Try 'apt --fix-broken install' with no
    packages"): apt must be let to resolve it whole."""

    packages: Tuple[str, ...]
    """What they wait for, as apt installs it (with what those need in turn)."""

    kind = "fix-broken"

    def words(self) -> Tuple[str, ...]:
        return ("apt-get", "install", "-f", "-y")

    def command(self) -> str:
        return _q(self.words())

    def effects(self) -> Effects:
        return Effects(packages=self.packages)


@dataclass(frozen=True)
class UnpackAlone:
    """Unpack packages with dpkg alone, from the .debs apt downloads into its cache.

    apt first finishes every package dpkg left half done, and stops at the first whose
    maintainer script fails: when what is gone is the interpreter those scripts run, nothing
    apt does can put it back. dpkg --unpack runs only the named packages' own scripts and
    leaves them unpacked, for the next apt or dpkg run to configure."""

    debs: Tuple[str, ...]
    """In apt's cache, by the names apt gives them: the installed versions, as the rule names
    them; fix puts in what apt's forecast unpacks (fix.plan.as_run)."""

    kind = "unpack"

    @property
    def packages(self) -> Tuple[str, ...]:
        return tuple(deb_parts(deb)[0] for deb in self.debs)

    def words(self) -> Tuple[str, ...]:
        """The apt-get command that downloads exactly these .debs."""
        pinned = tuple(f"{name}={version}" if version else name
                       for name, version, _ in map(deb_parts, self.debs))
        return ("apt-get", "install", "--reinstall", "-y") + pinned

    def command(self) -> str:
        words = self.words()
        download = _q(words[:3] + ("--download-only",) + words[3:])
        return f"{download} && {_q(('dpkg', '--unpack') + self.debs)}"

    def effects(self) -> Effects:
        return Effects(packages=self.packages)


@dataclass(frozen=True)
class MoveAside:
    """Move paths into an archive under /var/lib/pyguard/aside: away, never deleted.

    As root, tar removes what it archived. As a user, her own tar reads and removes her files
    and writes the archive to a stream that root stores: whatever she swaps in, that tar can
    only do what she could. A path she owns in a directory she cannot write (her venv under
    /srv) is emptied and stays, for the rebuild that follows."""

    paths: Tuple[str, ...]
    label: str
    user: str = ROOT_USER
    keep_top: bool = False
    """The single path is a directory whose parent the user cannot write: archive and empty
    it, leave the directory."""

    kind = "move-aside"

    def command(self) -> str:
        make = f"mkdir -p {ASIDE} && "
        if self.keep_top:
            top = self.paths[0]
            pack = as_user(self.user, f"tar -C {quote(top)} -czf - .")
            empty = as_user(self.user, f"find {quote(top)} -mindepth 1 -delete")
            return f"{make}{pack} > {_archive(self.label)} && {empty}"
        members = _q(_relative(self.paths))
        if self.user == ROOT_USER:
            return f"{make}tar -C / --remove-files -czf {_archive(self.label)} {members}"
        pack = as_user(self.user, f"tar -C / --remove-files -czf - {members}")
        return f"{make}{pack} > {_archive(self.label)}"

    def effects(self) -> Effects:
        return Effects(moves=self.paths, user=self.user)


@dataclass(frozen=True)
class KeepCopy:
    """Keep a copy of paths in an archive under /var/lib/pyguard/aside; they stay in place."""

    paths: Tuple[str, ...]
    label: str
    user: str = ROOT_USER

    kind = "keep-copy"

    def command(self) -> str:
        members = _q(_relative(self.paths))
        if self.user == ROOT_USER:
            return f"mkdir -p {ASIDE} && tar -C / -czf {_archive(self.label)} {members}"
        pack = as_user(self.user, f"tar -C / -czf - {members}")
        return f"mkdir -p {ASIDE} && {pack} > {_archive(self.label)}"

    def effects(self) -> Effects:
        return Effects(user=self.user)


@dataclass(frozen=True)
class CommentOut:
    """Comment out lines (each keeps its text after '# disabled by pyguard: '), after keeping a
    copy of each file; sed -i keeps the file's owner and mode."""

    edits: Tuple[Edit, ...]
    label: str
    user: str = ROOT_USER

    kind = "comment-out"

    def command(self) -> str:
        keep = KeepCopy(tuple(f for f, _ in self.edits), self.label, self.user).command()
        seds = [as_user(self.user, f"sed -i {quote(_sed_script(lines))} {quote(f)}")
                for f, lines in self.edits]
        return " && ".join([keep] + seds)

    def effects(self) -> Effects:
        return Effects(edits=tuple(f for f, _ in self.edits), user=self.user)


def _sed_script(lines: Tuple[int, ...]) -> str:
    """sed's script for the lines; N stands for them where none are known yet (explain)."""
    return ";".join(f"{n}s/^/{COMMENT}/" for n in lines or ("N",))


@dataclass(frozen=True)
class Append:
    """Append a line to a file (creating it), as the file's owner."""

    file: str
    line: str
    user: str = ROOT_USER

    kind = "append"

    def command(self) -> str:
        writer = as_user(self.user, f"tee -a {quote(self.file)}")
        return f"printf '%s\\n' {quote(self.line)} | {writer} > /dev/null"

    def effects(self) -> Effects:
        return Effects(edits=(self.file,), user=self.user)


@dataclass(frozen=True)
class Relink:
    """Point a symlink at a target (ln -sfn): Debian's /usr/bin/python3 -> python3.X."""

    link: str
    target: str

    kind = "relink"

    def command(self) -> str:
        return _q(("ln", "-sfn", self.target, self.link))

    def effects(self) -> Effects:
        return Effects(replaces=(self.link,))


@dataclass(frozen=True)
class RemoveAlternative:
    """Drop a local alternatives group and every link it made (update-alternatives)."""

    name: str

    kind = "remove-alternative"

    def command(self) -> str:
        return _q(("update-alternatives", "--remove-all", self.name))

    def effects(self) -> Effects:
        return Effects(replaces=(f"/etc/alternatives/{self.name}",))


@dataclass(frozen=True)
class RemoveDiversion:
    """Undo a local dpkg diversion, renaming the diverted file back (dpkg-divert)."""

    path: str

    kind = "remove-diversion"

    def command(self) -> str:
        return _q(("dpkg-divert", "--rename", "--remove", self.path))

    def effects(self) -> Effects:
        return Effects(replaces=(self.path,))


@dataclass(frozen=True)
class ConfigurePending:
    """Finish configuring packages dpkg left half done (dpkg --configure)."""

    packages: Tuple[str, ...] = ()
    """Only these (and what waits for them); empty: every pending package (-a)."""
    triggers_only: bool = False
    """Only the pending triggers (--triggers-only): the least a dpkg run can do, and like any
    dpkg run it writes the records of a killed dpkg's journal into the status file."""

    kind = "configure-pending"

    def command(self) -> str:
        what = "--triggers-only" if self.triggers_only else "--configure"
        return _q(("dpkg", what) + (self.packages or ("-a",)))

    def effects(self) -> Effects:
        return Effects()


@dataclass(frozen=True)
class RecreateVenv:
    """Make a venv anew with Debian's python3 and install what it held, all as its owner."""

    venv: str
    requirements: Tuple[str, ...] = ()
    system_site_packages: bool = False
    python: str = "/usr/bin/python3"
    user: str = ROOT_USER

    kind = "recreate-venv"

    def command(self) -> str:
        options = ("--system-site-packages",) if self.system_site_packages else ()
        make = as_user(self.user, _q((self.python, "-m", "venv") + options + (self.venv,)))
        if not self.requirements:
            return make
        pip = as_user(self.user, _q((f"{self.venv}/bin/python", "-m", "pip", "install",
                                     "--no-cache-dir") + self.requirements))
        return f"{make} && {pip}"

    def effects(self) -> Effects:
        return Effects(creates=(self.venv,), user=self.user, fetches=bool(self.requirements))


@dataclass(frozen=True)
class PipxReinstall:
    """Have pipx make one of its apps anew (pipx reinstall), as the app's owner: from pipx's
    own record of what it installed there (the package, its pip arguments, what was injected),
    with Debian's python3."""

    venv: str
    """HOME/venvs/NAME: pipx takes the app by NAME."""
    home: str
    """PIPX_HOME, named for pipx: it may not be where pipx looks by default."""
    bin_dir: str = ""
    """PIPX_BIN_DIR where the app's programs are linked elsewhere than ~/.local/bin."""
    python: str = "/usr/bin/python3"
    user: str = ROOT_USER

    kind = "pipx-reinstall"

    def command(self) -> str:
        name = self.venv.rsplit("/", 1)[-1]
        return _with_env(self.user, (("PIPX_HOME", self.home), ("PIPX_BIN_DIR", self.bin_dir)),
                         ("/usr/bin/pipx", "reinstall", "--python", self.python, name))

    def effects(self) -> Effects:
        # pipx also makes its shared venv anew where that is broken
        return Effects(creates=(self.venv, f"{self.home}/shared"), user=self.user, fetches=True)


@dataclass(frozen=True)
class UvToolUpgrade:
    """Have the owner's uv install one of its tools again for Debian's python3, as the tool's
    owner, from uv's own receipt (what was asked for, from which index). uv does it in place:
    the venv stays, its projects go to the new Python's site-packages (facts.uv)."""

    venv: str
    """TOOLS/NAME: uv takes the tool by NAME."""
    tools: str
    """UV_TOOL_DIR, named for uv: it may not be where uv looks by default."""
    program: str
    """The uv that runs: the owner's own or the system's (uv is not Debian's)."""
    bin_dir: str = ""
    """UV_TOOL_BIN_DIR, where the receipt says the programs were linked: uv would otherwise
    link them into ~/.local/bin of whoever runs it."""
    relink: str = ""
    """The venv's link to a Python that is gone (VENV/bin/python), pointed at `python` first:
    uv takes a tool whose interpreter is gone for one not installed at all."""
    python: str = "/usr/bin/python3"
    user: str = ROOT_USER

    kind = "uv-tool-upgrade"

    def command(self) -> str:
        name = self.venv.rsplit("/", 1)[-1]
        upgrade = _with_env(self.user, (("UV_TOOL_DIR", self.tools),
                                        ("UV_TOOL_BIN_DIR", self.bin_dir)),
                            (self.program, "tool", "upgrade", "--reinstall", "--python",
                             self.python, name))
        if not self.relink:
            return upgrade
        return f"{as_user(self.user, _q(('ln', '-sfn', self.python, self.relink)))} && {upgrade}"

    def effects(self) -> Effects:
        return Effects(creates=(self.venv,), user=self.user, fetches=True)


@dataclass(frozen=True)
class LinkPrograms:
    """Put programs back where pip had written them, as links to their copies in a venv that
    now holds their projects (a site left behind by a release upgrade, rebuilt as a venv)."""

    venv: str
    programs: Tuple[str, ...]
    """Where each link goes (/usr/local/bin/NAME); it leads to VENV/bin/NAME."""
    user: str = ROOT_USER

    kind = "link-programs"

    def command(self) -> str:
        return " && ".join(as_user(self.user, _q(("ln", "-sfn", f"{self.venv}/bin/"
                                                   + p.rsplit("/", 1)[-1], p)))
                           for p in self.programs)

    def effects(self) -> Effects:
        return Effects(replaces=self.programs, user=self.user)


Action = Union[Reinstall, Install, FixBroken, UnpackAlone, MoveAside, KeepCopy, CommentOut,
               Append, Relink, RemoveAlternative, RemoveDiversion, ConfigurePending, RecreateVenv,
               PipxReinstall, UvToolUpgrade, LinkPrograms]

KINDS: Dict[str, type] = {cls.kind: cls for cls in (
    Reinstall, Install, FixBroken, UnpackAlone, MoveAside, KeepCopy, CommentOut, Append, Relink,
    RemoveAlternative, RemoveDiversion, ConfigurePending, RecreateVenv, PipxReinstall,
    UvToolUpgrade, LinkPrograms)}

APT_ACTIONS = (Reinstall, Install, FixBroken, UnpackAlone)
"""Actions whose packages apt is asked about and downloads before anything runs."""

OWNED = (MoveAside, KeepCopy, CommentOut, Append, RecreateVenv, PipxReinstall, UvToolUpgrade,
         LinkPrograms)
"""Actions on files that someone other than root may control: they carry `user`."""


def field_names(kind: str) -> Tuple[str, ...]:
    return tuple(f.name for f in fields(KINDS[kind]))


def as_json(action: Action) -> Dict[str, object]:
    """{"kind": ..., fields...}: what fleet tools read instead of the shell command."""
    out: Dict[str, object] = {"kind": action.kind}
    for f in fields(action):
        value = getattr(action, f.name)
        if f.name == "edits":
            value = [{"file": path, "lines": list(lines)} for path, lines in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out
