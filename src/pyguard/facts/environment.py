"""Environment variables and pip settings that reach root's Python, read from the files that set them.

The files are parsed, never sourced: shell files line by line (assignments, `export`, with
comments and quotes understood), /etc/environment as pam_env reads it, sudoers `Defaults
env_keep` lines, pip's INI files.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from . import Facts

PYTHON_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")
PIP_VARIABLE = "PIP_BREAK_SYSTEM_PACKAGES"
WATCHED = PYTHON_VARIABLES + (PIP_VARIABLE,)
SUDO_KEPT = ("HOME",)
"""Watched where sudo keeps them only: with the calling user's HOME, root's Python reads her
~/.local site first (Ubuntu's sudo kept it until 19.10; env_keep += HOME does so still)."""
PIP_OPTION = "break-system-packages"
PIP_SECTIONS = ("global", "install")
TRUE = ("y", "yes", "t", "true", "on", "1")
FALSE = ("n", "no", "f", "false", "off", "0")
"""pip's strtobool: what PIP_BREAK_SYSTEM_PACKAGES and break-system-packages accept."""

SYSTEM_ENVIRONMENT = ("/etc/environment",)
PAM_ENV_CONF = "/etc/security/pam_env.conf"
SYSTEMD_CONF = "/etc/systemd/system.conf"
SYSTEMD_CONF_D = "/etc/systemd/system.conf.d"
SYSTEM_SHELL = ("/etc/profile", "/etc/bash.bashrc", "/etc/zsh/zshenv", "/etc/zsh/zprofile",
                "/etc/zsh/zshrc", "/etc/zsh/zlogin")
PROFILE_D = "/etc/profile.d"
ROOT_SHELL = (".profile", ".bash_profile", ".bash_login", ".bashrc", ".zshenv", ".zprofile",
              ".zshrc", ".zlogin")
SUDOERS = "/etc/sudoers"
SUDOERS_D = "/etc/sudoers.d"
SYSTEM_PIP = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf", "/usr/pip.conf")
ROOT_PIP = (".pip/pip.conf", ".config/pip/pip.conf")

ASSIGNMENT = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>\+?=)(?P<value>.*)", re.S)
SHELL_KEYWORDS = frozenset(("then", "else", "do", "{", "(", "!", "if", "elif", "while", "until",
                            "time"))
SEPARATORS = frozenset((";", "&&", "||", "|", "&", ";;", "(", ")", "{", "}"))
DEFAULTS = re.compile(r"\s*Defaults(?:[:>@!]\S*)?\s+(?P<rest>.*)", re.S)
ENV_KEEP = re.compile(r"env_keep\s*(?P<op>\+=|-=|=)\s*(?P<value>\"[^\"]*\"|\S+)")
INCLUDE = re.compile(r"\s*[#@](?P<what>include|includedir)\s+(?P<path>\S+)")


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    """The line as it is in the file, stripped; continuation lines joined by a space."""
    numbers: Tuple[int, ...]
    """Every physical line the statement spans (more than one with backslash continuations)."""


@dataclass(frozen=True)
class Setting:
    """A watched variable set (or let through) by one file."""

    variable: str
    path: str
    """The file, as the system names it (/root/.bashrc)."""
    real_path: str
    """The same file with symlinks resolved inside the root: what a repair edits."""
    kind: str
    """environment (pam_env), systemd (every service), shell (every shell), root-shell, sudoers
    or pip-config."""
    lines: Tuple[Line, ...]


@dataclass(frozen=True)
class Environment:
    settings: Tuple[Setting, ...]
    """Settings of the watched variables and pip's break-system-packages, file by file."""


def gather_environment(facts: Facts) -> Environment:
    """Kept between runs while every file it read stays as it was (pyguard.memo)."""
    from ..memo import kept_reading

    return kept_reading("environment", facts.fs, 1, read_environment, (Environment, Setting, Line))


def read_environment(fs) -> Environment:
    out: List[Setting] = []

    def add(path: str, kind: str, found: Dict[str, List[Line]]) -> None:
        real = fs.resolve(path) or path
        for variable in sorted(found, key=_order):
            out.append(Setting(variable, path, real, kind, tuple(found[variable])))

    for path in SYSTEM_ENVIRONMENT:
        text = fs.read_text(path, limit=1 << 20)
        if text is not None:
            add(path, "environment", pam_env_settings(text))
    text = fs.read_text(PAM_ENV_CONF, limit=1 << 20)
    if text is not None:
        add(PAM_ENV_CONF, "environment", pam_env_conf_settings(text))
    systemd_files = [SYSTEMD_CONF] + [f"{SYSTEMD_CONF_D}/{n}" for n in fs.listdir(SYSTEMD_CONF_D)
                                      if n.endswith(".conf")]
    for path in systemd_files:
        text = fs.read_text(path, limit=1 << 20)
        if text is not None:
            add(path, "systemd", systemd_settings(text))
    shell_files = list(SYSTEM_SHELL) + [f"{PROFILE_D}/{n}" for n in fs.listdir(PROFILE_D)
                                        if n.endswith(".sh")]
    for path in shell_files:
        text = fs.read_text(path, limit=1 << 20)
        if text is not None:
            add(path, "shell", shell_settings(text))
    for home in root_homes(fs):
        for name in ROOT_SHELL:
            path = f"{home.rstrip('/')}/{name}"
            text = fs.read_text(path, limit=1 << 20)
            if text is not None:
                add(path, "root-shell", shell_settings(text))
    for path in sudoers_files(fs):
        text = fs.read_text(path, limit=1 << 20)
        if text is not None:
            add(path, "sudoers", sudoers_settings(text))
    pip_files = list(SYSTEM_PIP) + [f"{home.rstrip('/')}/{name}" for home in root_homes(fs)
                                    for name in ROOT_PIP]
    for path in pip_files:
        text = fs.read_text(path, limit=1 << 20)
        if text is not None:
            add(path, "pip-config", pip_settings(text))
    return Environment(tuple(out))


def _order(variable: str) -> int:
    order = WATCHED + SUDO_KEPT
    return order.index(variable) if variable in order else len(order)


def root_homes(fs) -> List[str]:
    """Home directories of UID 0 accounts in /etc/passwd (/root when passwd says nothing)."""
    homes: List[str] = []
    for line in (fs.read_text("/etc/passwd") or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[2] == "0" and fields[5].startswith("/"):
            home = fields[5].rstrip("/") or "/"
            if home not in homes:
                homes.append(home)
    return homes or ["/root"]


# -- shell files ----------------------------------------------------------------------------


def logical_lines(text: str) -> Iterator[Line]:
    """Physical lines joined where a backslash continues them, with their line numbers."""
    pending: List[str] = []
    numbers: List[int] = []
    for number, raw in enumerate(text.split("\n"), 1):
        pending.append(raw)
        numbers.append(number)
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            pending[-1] = raw[:-1]
            continue
        yield Line(numbers[0], " ".join(p.strip() for p in pending).strip(), tuple(numbers))
        pending, numbers = [], []
    if pending:
        yield Line(numbers[0], " ".join(p.strip() for p in pending).strip(), tuple(numbers))


def commands(line: str) -> List[List[str]]:
    """The simple commands of one shell line, as word lists; comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    out: List[List[str]] = [[]]
    try:
        for token in lexer:
            if token in SEPARATORS or set(token) <= set(";&|(){}"):
                out.append([])
            else:
                out[-1].append(token)
    except ValueError:  # unbalanced quotes: a multi-line string; judge what was read
        pass
    return [words for words in out if words]


def shell_assignments(line: str) -> Iterator[Tuple[str, Optional[str], bool]]:
    """(name, value or None for a bare `export NAME`, exported) for each assignment on a line.

    `NAME=value command` sets NAME for that one command only and is no assignment.
    """
    for words in commands(line):
        while words and words[0] in SHELL_KEYWORDS:
            words = words[1:]
        if not words:
            continue
        head = words[0]
        if head in ("export", "declare", "typeset", "local", "readonly"):
            options = [w for w in words[1:] if w.startswith("-")]
            exported = head == "export" or any("x" in o for o in options)
            for word in words[1:]:
                if word.startswith("-"):
                    continue
                m = ASSIGNMENT.fullmatch(word)
                if m:
                    yield m.group("name"), m.group("value"), exported
                elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                    yield word, None, exported
            continue
        if all(ASSIGNMENT.fullmatch(w) for w in words):
            for word in words:
                m = ASSIGNMENT.fullmatch(word)
                assert m is not None
                yield m.group("name"), m.group("value"), False


def shell_settings(text: str) -> Dict[str, List[Line]]:
    """Lines of a shell file that give a watched variable a value the environment gets.

    A plain `NAME=value` only reaches programs when NAME is exported: by this file
    (`export NAME`, before or after) or with `set -a`. Empty values and, for pip's variable,
    values pip reads as false, change nothing and are left out.
    """
    assigned: Dict[str, List[Line]] = {}
    exported: Dict[str, List[Line]] = {}
    allexport = False
    last: Dict[str, str] = {}
    for line in logical_lines(text):
        if re.search(r"(^|[;&|\s])set\s+(-[a-zA-Z]*a|-o\s+allexport)", line.text.split("#")[0]):
            allexport = True
        for name, value, export in shell_assignments(line.text):
            if name not in WATCHED:
                continue
            if value is None:
                if export:
                    exported.setdefault(name, []).append(line)
                continue
            last[name] = value
            if not _effective(name, value):
                continue
            assigned.setdefault(name, []).append(line)
            if export:
                exported.setdefault(name, []).append(line)
    found: Dict[str, List[Line]] = {}
    for name, lines in assigned.items():
        if not _effective(name, last[name]):
            continue  # the file's last word on it switches it off again
        if name in exported or allexport:
            every = {line.number: line for line in lines + exported.get(name, [])}
            found[name] = [every[n] for n in sorted(every)]
    return found


def _effective(name: str, value: str) -> bool:
    value = value.strip()
    if not value or value in ('""', "''"):
        return False
    if name == PIP_VARIABLE and value.lower() in FALSE:
        return False
    return True


# -- /etc/environment -----------------------------------------------------------------------


def pam_env_settings(text: str) -> Dict[str, List[Line]]:
    """pam_env's /etc/environment: NAME=value per line, an optional leading `export `."""
    found: Dict[str, List[Line]] = {}
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export"):].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if sep and name in WATCHED:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            if _effective(name, value):
                found.setdefault(name, []).append(Line(number, raw.strip(), (number,)))
            else:
                found.pop(name, None)  # a later line wins
    return found


def pam_env_conf_settings(text: str) -> Dict[str, List[Line]]:
    """/etc/security/pam_env.conf: `NAME [DEFAULT=[value]] [OVERRIDE=[value]]` per line."""
    found: Dict[str, List[Line]] = {}
    for line in logical_lines(text):
        if not line.text or line.text.startswith("#"):
            continue
        words = line.text.split()
        if words[0] not in WATCHED:
            continue
        values = [w.split("=", 1)[1].strip("\"'") for w in words[1:]
                  if w.startswith(("DEFAULT=", "OVERRIDE="))]
        if any(_effective(words[0], v) for v in values):
            found.setdefault(words[0], []).append(line)
    return found


def systemd_settings(text: str) -> Dict[str, List[Line]]:
    """DefaultEnvironment= of systemd's [Manager]: what every service gets; empty resets it."""
    found: Dict[str, List[Line]] = {}
    section = ""
    for line in logical_lines(text):
        if line.text.startswith("[") and line.text.endswith("]"):
            section = line.text[1:-1].strip()
            continue
        if section != "Manager" or not line.text.startswith("DefaultEnvironment"):
            continue
        key, sep, value = line.text.partition("=")
        if not sep or key.strip() != "DefaultEnvironment":
            continue
        if not value.strip():
            found.clear()  # an empty assignment drops what earlier ones set
            continue
        try:
            words = shlex.split(value)
        except ValueError:
            words = value.split()
        for word in words:
            name, eq, val = word.partition("=")
            if eq and name in WATCHED and _effective(name, val):
                found.setdefault(name, []).append(line)
    return found


# -- sudoers --------------------------------------------------------------------------------


def sudoers_files(fs) -> List[str]:
    """/etc/sudoers and what it includes (sudo skips names with a dot or ending in ~).

    Without /etc/sudoers (sudo not installed yet), /etc/sudoers.d is still read: Debian's
    sudoers includes it, so what is there applies as soon as sudo is installed.
    """
    out: List[str] = []

    def include_dir(directory: str) -> None:
        for name in fs.listdir(directory):
            if "." in name or name.endswith("~"):
                continue
            visit(f"{directory.rstrip('/')}/{name}")

    def visit(path: str) -> None:
        if path in out or len(out) > 64 or not fs.is_file(path):
            return
        out.append(path)
        for line in (fs.read_text(path, limit=1 << 20) or "").split("\n"):
            m = INCLUDE.match(line)
            if m:
                target = m.group("path").replace("%h", "")
                if not target.startswith("/"):
                    target = f"{path.rsplit('/', 1)[0]}/{target}"
                if m.group("what") == "includedir":
                    include_dir(target)
                else:
                    visit(target)

    if fs.is_file(SUDOERS):
        visit(SUDOERS)
    else:
        include_dir(SUDOERS_D)
    return out


def sudoers_settings(text: str) -> Dict[str, List[Line]]:
    """`Defaults env_keep += "..."` (or `=`) lines that let a watched variable through sudo."""
    found: Dict[str, List[Line]] = {}
    for line in logical_lines(text):
        if line.text.startswith("#"):
            continue
        m = DEFAULTS.match(line.text)
        if not m:
            continue
        for keep in ENV_KEEP.finditer(m.group("rest")):
            if keep.group("op") == "-=":
                continue
            words = keep.group("value").strip('"').split()
            for name in WATCHED + SUDO_KEPT:
                if any(_sudo_match(word, name) for word in words):
                    lines = found.setdefault(name, [])
                    if line not in lines:
                        lines.append(line)
    return found


def _sudo_match(pattern: str, name: str) -> bool:
    """sudo's env_keep entries may end in a * wildcard (PYTHON*)."""
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return pattern == name


# -- pip configuration ----------------------------------------------------------------------


def pip_settings(text: str) -> Dict[str, List[Line]]:
    """break-system-packages set to a true value in [global] or [install] of a pip.conf."""
    import configparser  # only where a pip.conf is there to read

    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}  # pip itself refuses to run with an unparsable file
    lines: List[Line] = []
    for section in parser.sections():
        if section.lower() not in PIP_SECTIONS:
            continue
        for key, value in parser.items(section):
            if _pip_key(key) == PIP_OPTION and (value or "").strip().lower() in TRUE:
                lines += _ini_lines(text, section, key)
    return {PIP_OPTION: lines} if lines else {}


def _pip_key(key: str) -> str:
    """pip's own normalisation of configuration keys."""
    key = key.lower().replace("_", "-")
    return key[2:] if key.startswith("--") else key


def _ini_lines(text: str, section: str, key: str) -> List[Line]:
    """Where a key of a section is set (the last one wins in pip, but every one is shown)."""
    current = None
    out: List[Line] = []
    for number, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
            continue
        if current != section or not stripped or stripped[0] in "#;" or raw[0] in " \t":
            continue
        name = re.split(r"[=:]", stripped, 1)[0].strip()
        if name.lower() == key:
            out.append(Line(number, stripped, (number,)))
    return out


def line_numbers(lines: Sequence[Line]) -> Tuple[int, ...]:
    return tuple(sorted({n for line in lines for n in line.numbers}))
