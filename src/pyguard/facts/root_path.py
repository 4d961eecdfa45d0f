"""What `python3` means for root: the PATH of each way root gets a shell or runs a command.

Root's PATH is made by files: login(1)'s ENV_SUPATH, pam_env's /etc/environment, /etc/profile and
root's ~/.profile or ~/.bashrc, sudo's secure_path, crontabs. pyguard may not run them, so it
reads them: plain assignments (`export PATH="$PYENV_ROOT/shims:$PATH"`, with the variables set
earlier in the same reading expanded), `[ -d DIR ]` and `command -v` tests against the root,
`. FILE`, `if`/`case`/`for`, `pyenv init` and conda's initialize block. For each context it keeps
the PATH it ends with and, for each directory, every line that put it ahead of /usr/bin.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from ..sudoers import secure_path
from . import Facts
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .shell_syntax import Span

DEBIAN_SUPATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
STOP = ("/usr/bin", "/bin")
"""Where Debian's python3 is: a directory after these cannot come first."""
CRON_DEFAULT = ("/usr/bin", "/bin")
"""cron's own PATH for jobs of a crontab that sets none."""
READ_LIMIT = 1 << 20
LOGIN = "root's login shell"
INTERACTIVE = "root's interactive shell"
SUDO_LOGIN = "sudo -i"
SUDO = "sudo"
ROOT_CRONTAB = "/var/spool/cron/crontabs/root"
ENV_SUPATH = re.compile(r"^[ \t]*ENV_SUPATH[ \t]+(?:PATH=)?(\S+)")
CRON_JOB = re.compile(r"^[ \t]*[0-9*@]")
CRON_ENV = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*?)[ \t]*$")
CRON_D_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Body:
    """A branch of an if, for or { } block: a branch left without a command is a syntax error, so
    commenting out all of it means commenting out the whole block."""

    block: Span
    """Lines of the whole compound command (if ... fi)."""
    items: Tuple[Span, ...]
    """Lines of each command of the branch; none for a condition (`if` line)."""


@dataclass(frozen=True)
class ShellLine:
    """A command of a file that changes PATH, or the line of another file that sets it."""

    file: str
    number: int
    """1-based number of its first line."""
    text: str
    """The line(s) as written, stripped."""
    kind: str
    """shell, pyenv-init (shell files; can be commented out), login-defs, pam-env (the same),
    conda (conda's initialize block), sudoers, crontab (reported, edited by visudo, crontab -e)."""
    span: Span = (0, 0)
    """All its lines (a command may go on over several)."""
    bodies: Tuple[Body, ...] = ()
    """The branches it sits in, innermost first."""


@dataclass(frozen=True)
class PathEntry:
    directory: str
    lines: Tuple[ShellLine, ...]
    """Every line that put this directory ahead of /usr/bin while the context was set up, in
    reading order; empty for a built-in default."""


@dataclass(frozen=True)
class ShellPath:
    context: str
    """root's login shell, root's interactive shell, sudo -i, sudo, cron (/etc/crontab), ..."""
    entries: Tuple[PathEntry, ...]


@dataclass(frozen=True)
class CondaSetup:
    """A conda initialize block that some context ran, and what decides base's activation."""

    prefix: str
    block: ShellLine
    setting: Optional[ShellLine]
    """The auto_activate(_base) line that decides (the last .condarc saying it), None if none."""
    active: bool
    """Whether conda activates base (its default when no .condarc says otherwise)."""


@dataclass(frozen=True)
class RootShell:
    home: str
    contexts: Tuple[ShellPath, ...]
    conda: Tuple[CondaSetup, ...]

    @property
    def condarc(self) -> str:
        """Root's own .condarc, where a repair turns activation off."""
        return f"{self.home}/.condarc"


KEPT_TYPES = (RootShell, ShellPath, PathEntry, ShellLine, Body, CondaSetup)


def gather_root_shell(facts: Facts) -> RootShell:
    """Kept between runs while every file it read stays as it was (pyguard.memo): reading
    root's start-up files is the larger part of a run that finds root's shell unchanged."""
    from ..memo import kept_reading

    return kept_reading("root-shell", facts.fs, 1, read_root_shell, KEPT_TYPES)


def read_root_shell(fs) -> RootShell:
    from .shell_reader import shell_path

    home, shell = _root_account(fs)
    supath = _env_supath(fs)
    environment = _pam_environment(fs)
    start = environment or supath
    conda: Dict[Tuple[str, int], CondaSetup] = {}
    kind = os.path.basename(shell) if os.path.basename(shell) in ("zsh", "sh", "dash") else "bash"
    contexts = [
        ShellPath(LOGIN, shell_path(fs, home, kind, True, start, conda)),
        ShellPath(INTERACTIVE, shell_path(fs, home, kind, False, start, conda)),
    ]
    if fs.is_file("/etc/sudoers"):
        secure = sudo_secure_path(fs)
        contexts.append(ShellPath(SUDO_LOGIN, shell_path(fs, home, kind, True, secure or supath,
                                                          conda)))
        if secure:
            contexts.append(ShellPath(SUDO, path_entries(secure, {})))
    for name, path in _crontabs(fs):
        for value in _cron_paths(fs, path):
            contexts.append(ShellPath(name, path_entries(value, {})))
    return RootShell(home, tuple(contexts), tuple(conda.values()))


Start = List[Tuple[str, Optional[ShellLine]]]


def _root_account(fs) -> Tuple[str, str]:
    for line in (fs.read_text("/etc/passwd", limit=READ_LIMIT) or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[2] == "0" and fields[5].startswith("/"):
            return fields[5].rstrip("/") or "/", fields[6]
    return "/root", "/bin/bash"


def _env_supath(fs) -> Start:
    """login's and su's PATH for root (/etc/login.defs), or their built-in default."""
    text = fs.read_text("/etc/login.defs", limit=READ_LIMIT) or ""
    found: Start = [(d, None) for d in DEBIAN_SUPATH]
    for number, raw in enumerate(text.split("\n"), 1):
        m = ENV_SUPATH.match(raw)
        if m:
            line = ShellLine("/etc/login.defs", number, raw.strip(), "login-defs", (number, number))
            found = [(d, line) for d in _split_path(m.group(1))]
    return found


def _pam_environment(fs) -> Optional[Start]:
    """PATH from /etc/environment, which pam_env sets for logins, su and sudo (no expansion)."""
    text = fs.read_text("/etc/environment", limit=READ_LIMIT) or ""
    found: Optional[Start] = None
    for number, raw in enumerate(text.split("\n"), 1):
        words = raw.strip()
        words = words[len("export "):].lstrip() if words.startswith("export ") else words
        if words.startswith("PATH="):
            value = words[5:].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            line = ShellLine("/etc/environment", number, raw.strip(), "pam-env", (number, number))
            found = [(d, line) for d in _split_path(value)]
    return found


def sudo_secure_path(fs) -> Optional[Start]:
    """sudo's secure_path, each directory with the sudoers line that set it."""
    setting = secure_path(fs)
    if setting is None:
        return None
    line = ShellLine(setting.file, setting.first, setting.text, "sudoers",
                     (setting.first, setting.last))
    return [(d, line) for d in _split_path(setting.value)]


def _crontabs(fs) -> List[Tuple[str, str]]:
    tabs = [("cron (/etc/crontab)", "/etc/crontab")]
    tabs += [(f"cron (/etc/cron.d/{n})", f"/etc/cron.d/{n}") for n in sorted(fs.listdir("/etc/cron.d"))
             if CRON_D_NAME.match(n)]
    tabs.append(("root's crontab", ROOT_CRONTAB))
    return [(name, path) for name, path in tabs if fs.is_file(path)]


def _cron_paths(fs, path: str) -> List[Start]:
    """The PATH each job of a crontab gets (cron sets what the lines above the job say)."""
    current: Start = [(d, None) for d in CRON_DEFAULT]
    seen: List[Start] = []
    text = fs.read_text(path, limit=READ_LIMIT) or ""
    for number, raw in enumerate(text.split("\n"), 1):
        if raw.lstrip().startswith("#"):
            continue
        env = CRON_ENV.match(raw)
        if env and env.group(1) == "PATH":
            value = env.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            line = ShellLine(path, number, raw.strip(), "crontab", (number, number))
            current = [(d, line) for d in _split_path(value)]
        elif CRON_JOB.match(raw) and current not in seen:
            seen.append(current)
    return seen


def _split_path(value: str) -> List[str]:
    return [os.path.normpath(d) for d in value.split(":") if d.startswith("/")]


def path_entries(start: Start, history: Dict[str, List[ShellLine]]) -> Tuple[PathEntry, ...]:
    remember(start, history)
    return tuple(PathEntry(d, tuple(history.get(d, ()))) for d, _ in start)


def remember(path: Start, history: Dict[str, List[ShellLine]]) -> None:
    """Note the line behind each directory that now stands ahead of /usr/bin."""
    for directory, line in path:
        if directory in STOP:
            break
        if line is not None and line not in history.setdefault(directory, []):
            history[directory].append(line)
