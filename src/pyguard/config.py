"""/etc/pyguard/pyguard.conf: report defaults, venv scan roots, apt hooks, acknowledged findings.

An INI-style file read by pyguard's own small parser, so that every mistake is reported with the
file and line it is on (configparser would lower-case keys and split subjects at ':')::

    # Lines starting with # or ; are comments; blank lines are ignored.
    [report]
    # text | json | prometheus | nagios: the default of --format
    format = text
    # the default of --output
    output = /var/lib/prometheus/node-exporter/pyguard.prom
    # yes | no: log one summary line per run
    syslog = yes

    [venvs]
    # where to look for virtual environments, inside the examined root
    roots = /opt /srv /home

    [hooks]
    # yes | no: the apt hooks (`pyguard hooks pre-invoke|post-invoke|post-update`)
    apt = no

    [ack]
    # RULE SUBJECT = REASON [; until YYYY-MM-DD]
    shadowed-debian-module /usr/local/lib/python3.11/dist-packages:requests = vendor app pins it; until 2027-01-31
    pip-in-usr-local * = our build hosts need it

Only a whole-line comment is a comment: a `#` after a value is part of it (reasons may contain
one). An acknowledgement's SUBJECT is the finding's subject as `pyguard report --format json`
shows it, or a shell-style pattern (`*`, `?`, `[...]`). It holds through the day `until` names;
after that the finding counts again. The file is looked for at $PYGUARD_CONFIG, else
/etc/pyguard/pyguard.conf; a missing default file is an empty config.
"""

from __future__ import annotations

import datetime
import fnmatch
import os
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

DEFAULT_PATH = "/etc/pyguard/pyguard.conf"
FORMATS = ("text", "json", "prometheus", "nagios")
SECTIONS = {"report": ("format", "output", "syslog"), "venvs": ("roots",), "hooks": ("apt",),
            "ack": ()}
BOOLEANS = {"yes": True, "true": True, "on": True, "1": True,
            "no": False, "false": False, "off": False, "0": False}


class ConfigError(Exception):
    """A config file pyguard cannot use; the message names the file and line."""


@dataclass(frozen=True)
class Ack:
    """An admin's acknowledgement of a finding: known, accepted, do not count it."""

    rule: str
    subject: str
    """The finding's subject, or a shell-style pattern of subjects."""
    reason: str
    until: Optional[datetime.date]
    """Last day the acknowledgement holds; None: until removed."""
    path: str = ""
    line: int = 0

    def matches(self, rule: str, subject: str) -> bool:
        return rule == self.rule and (subject == self.subject
                                      or fnmatch.fnmatchcase(subject, self.subject))

    def holds(self, today: datetime.date) -> bool:
        return self.until is None or today <= self.until

    @property
    def where(self) -> str:
        return f"{self.path} line {self.line}"


@dataclass(frozen=True)
class Config:
    path: str = ""
    """The file read; empty when there was none."""
    format: Optional[str] = None
    output: Optional[str] = None
    syslog: bool = True
    venv_roots: Optional[Tuple[str, ...]] = None
    """[venvs] roots: directories inside the examined root to look for venvs in."""
    apt_hooks: bool = True
    """[hooks] apt: whether the apt hooks check anything (no: they return at once, silent)."""
    acks: Tuple[Ack, ...] = ()

    def ack_for(self, rule: str, subject: str) -> Optional[Ack]:
        """The first acknowledgement (in file order) that names this finding, expired or not."""
        for ack in self.acks:
            if ack.matches(rule, subject):
                return ack
        return None

    def check_rules(self, rule_ids: Iterable[str]) -> None:
        """An acknowledgement of a rule that does not exist is a typo: say where it is."""
        known = set(rule_ids)
        for ack in self.acks:
            if ack.rule not in known:
                raise ConfigError(f"{ack.where}: unknown rule {ack.rule!r} (see pyguard rules)")


def default_path() -> str:
    return os.environ.get("PYGUARD_CONFIG") or DEFAULT_PATH


def load(path: Optional[str] = None) -> Config:
    """Read and check a config file; None means the default, which may be missing."""
    from .journal import host_read  # a kept hook run (pyguard.memo) holds while this file does

    explicit = path is not None or bool(os.environ.get("PYGUARD_CONFIG"))
    path = path if path is not None else default_path()
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            host_read(path, os.fstat(f.fileno()))
            text = f.read()
    except FileNotFoundError as exc:
        host_read(path, exc)
        if explicit:
            raise ConfigError(f"{path}: no such file") from None
        return Config()
    except OSError as exc:
        host_read(path, exc)
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return parse(text, path)


def parse(text: str, path: str = "<config>") -> Config:
    values: Dict[str, object] = {}
    acks: List[Ack] = []
    seen: Dict[Tuple[str, str], int] = {}
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{path} line {number}"
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise ConfigError(f"{where}: a section header must look like [name]: {raw!r}")
            section = line[1:-1].strip()
            if section not in SECTIONS:
                raise ConfigError(f"{where}: unknown section [{section}] "
                                  f"(known: {', '.join('[' + s + ']' for s in SECTIONS)})")
            continue
        if not section:
            raise ConfigError(f"{where}: setting before any [section]: {raw!r}")
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key:
            raise ConfigError(f"{where}: expected KEY = VALUE, got {raw!r}")
        if section == "ack":
            ack = _ack(key, value, where, path, number)
            identity = (ack.rule, ack.subject)
            if identity in seen:
                raise ConfigError(f"{where}: {ack.rule} {ack.subject} is already acknowledged "
                                  f"on line {seen[identity]}")
            seen[identity] = number
            acks.append(ack)
            continue
        if key not in SECTIONS[section]:
            raise ConfigError(f"{where}: unknown setting {key!r} in [{section}] "
                              f"(known: {', '.join(SECTIONS[section])})")
        if (section, key) in seen:
            raise ConfigError(f"{where}: {key} is already set on line {seen[(section, key)]}")
        seen[(section, key)] = number
        name = {"venvs": "venv_roots", "hooks": "apt_hooks"}.get(section, key)
        values[name] = _setting(section, key, value, where)
    return Config(path=path, acks=tuple(acks), **values)  # type: ignore[arg-type]


def _setting(section: str, key: str, value: str, where: str) -> object:
    if section == "report" and key == "format":
        if value not in FORMATS:
            raise ConfigError(f"{where}: format must be one of {', '.join(FORMATS)}, not {value!r}")
        return value
    if section == "report" and key == "output":
        if not value:
            raise ConfigError(f"{where}: output needs a file name")
        return value
    if (section, key) in (("report", "syslog"), ("hooks", "apt")):
        if value.lower() not in BOOLEANS:
            raise ConfigError(f"{where}: {key} must be yes or no, not {value!r}")
        return BOOLEANS[value.lower()]
    # [venvs] roots
    roots = tuple(value.split())
    relative = [r for r in roots if not r.startswith("/")]
    if relative:
        raise ConfigError(f"{where}: venv roots must be absolute paths inside the examined "
                          f"root, not {relative[0]!r}")
    return roots


def _ack(key: str, value: str, where: str, path: str, number: int) -> Ack:
    rule, _, subject = key.partition(" ")
    subject = subject.strip()
    if not subject:
        raise ConfigError(f"{where}: an acknowledgement is RULE SUBJECT = REASON [; until "
                          f"YYYY-MM-DD]; {key!r} has no subject (use * for every subject)")
    reason, _, rest = value.partition(";")
    reason, rest = reason.strip(), rest.strip()
    if not reason:
        raise ConfigError(f"{where}: acknowledging {rule} {subject} needs a reason")
    until = None
    if rest:
        word, _, date = rest.partition(" ")
        try:
            if word != "until":
                raise ValueError
            until = datetime.date.fromisoformat(date.strip())
        except ValueError:
            raise ConfigError(f"{where}: after the reason expected '; until YYYY-MM-DD', "
                              f"got {rest!r}") from None
    return Ack(rule, subject, reason, until, path, number)


# -- the config of this run ---------------------------------------------------------------------

_active: Optional[Config] = None


def activate(config: Config) -> None:
    """Make `config` the one this run's facts read (doctor and report call it first)."""
    global _active
    _active = config


def active() -> Config:
    """The config of this run: the one activated, else the default file (errors: empty)."""
    if _active is not None:
        return _active
    try:
        return load()
    except ConfigError:
        return Config()


def venv_roots() -> Optional[Tuple[str, ...]]:
    """[venvs] roots of this run's config (paths inside the examined root), None when unset."""
    return active().venv_roots
