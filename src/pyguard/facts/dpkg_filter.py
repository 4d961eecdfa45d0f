"""dpkg's path filters: the packaged paths dpkg never unpacked on this root.

Slim images install with `path-exclude` rules (Debian's docker "slim" variant in
dpkg.cfg.d/docker, mmdebstrap's --dpkgopt in dpkg.cfg.d/99mmdebstrap, Ubuntu's minimised images in
dpkg.cfg.d/excludes, which `unminimize` removes before it reinstalls everything). dpkg still
lists a filtered file as its package's (`dpkg -L`, md5sums) and `dpkg -V` calls it missing, but
no reinstall brings it back: pyguard asks here before it calls a packaged file gone or changed.

dpkg's rules, as dpkg(1) and dpkg.cfg(5) give them and dpkg's own parser applies them:
- It reads /etc/dpkg/dpkg.cfg.d/* (names of [0-9A-Za-z_-] only, in sorted order), then
  /etc/dpkg/dpkg.cfg, then ~/.dpkg.cfg of the user running it (root's: /root/.dpkg.cfg). A line is an option without its leading hyphens, its value after `=` or
  blanks, quotes around the value stripped; a line that starts with `#` is a comment. dpkg
  refuses to run at all with a line it cannot read (`--path-exclude=...`, an indented line):
  such a line filtered nothing, and pyguard notes it.
- Each pattern is matched with fnmatch(3) without flags against the whole path: `*` and `?`
  match `/` too, `[...]` is a bracket expression, a backslash quotes the next character.
- The rules apply in order, the last one that matches decides: path-include re-admits.
- A directory or symlink is kept even when excluded if a path-include's pattern, up to its first
  wildcard, starts the path: /usr/share/doc/*/copyright keeps every directory and link below
  /usr/share/doc, so the copyright files have somewhere to go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from ..rootfs import RootFS

CONFIG_DIR = "/etc/dpkg"
CONFIG_NAME = re.compile(r"[0-9A-Za-z_-]+")
"""The names dpkg reads in dpkg.cfg.d; others (dpkg-dist, .bak, ~) it skips."""
ROOT_CONFIG = "/root/.dpkg.cfg"
OPTIONS = {"path-exclude": False, "path-include": True}
"""The options that filter paths, and whether each re-admits."""
WILDCARDS = re.compile(r"[*?\[\\]")
NEVER = "(?!)"
CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "\\x21-\\x7e", "lower": "a-z", "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~", "space": " \\t\\n\\r\\f\\v", "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}
"""fnmatch's character classes, as the C locale defines them."""


@dataclass(frozen=True)
class PathRule:
    """One path-exclude or path-include option."""

    include: bool
    pattern: str
    source: str
    """Where it is written: FILE:LINE."""


@dataclass(frozen=True)
class PathFilter:
    """dpkg's path filters of one root, in the order dpkg applies them."""

    rules: Tuple[PathRule, ...] = ()

    def excluded(self, path: str) -> bool:
        """Whether dpkg leaves a file (anything but a directory or symlink) at `path` unpacked."""
        return self._decide(path)

    def excluding(self, path: str) -> Optional[PathRule]:
        """The path-exclude that keeps a file at `path` off the disk: the last rule matching."""
        if not self.excluded(path):
            return None
        for rule in reversed(self.rules):
            if re.fullmatch(translate(rule.pattern), path, re.DOTALL):
                return rule
        return None

    def excluded_directory(self, path: str) -> bool:
        """Whether dpkg leaves a directory or symlink at `path` unpacked: excluded, and no
        path-include needs it to reach the files it re-admits."""
        return self._decide(path) and not path.startswith(self._kept_below)

    @cached_property
    def _kept_below(self) -> Tuple[str, ...]:
        """Each path-include's pattern up to its first wildcard, without trailing slashes."""
        return tuple(literal_prefix(rule.pattern).rstrip("/") for rule in self.rules
                     if rule.include)

    @cached_property
    def _decide(self) -> Callable[[str], bool]:
        """One compiled question for every rule: verification asks it of each packaged file.

        The alternatives are the rules last first, so the first that matches the whole path is
        the rule that decides; a path that starts with no exclude's literal part is never
        excluded and is answered without the regular expression.
        """
        excludes = tuple(literal_prefix(r.pattern) for r in self.rules if not r.include)
        if not excludes:
            return _never
        last_first = self.rules[::-1]
        combined = re.compile("|".join(f"({translate(r.pattern)})" for r in last_first),
                              re.DOTALL)
        admits = tuple(rule.include for rule in last_first)
        decided: Dict[str, bool] = {}

        def decide(path: str) -> bool:
            if not path.startswith(excludes):
                return False
            found = decided.get(path)
            if found is None:
                m = combined.fullmatch(path)
                found = decided[path] = m is not None and not admits[m.lastindex - 1]
            return found

        return decide


def _never(path: str) -> bool:
    return False


def literal_prefix(pattern: str) -> str:
    """The part of a pattern before its first wildcard (or backslash)."""
    m = WILDCARDS.search(pattern)
    return pattern if m is None else pattern[:m.start()]


# -- fnmatch(3) without flags, as a regular expression -----------------------------------------


def translate(pattern: str) -> str:
    """A regular expression (no capturing groups) that matches what fnmatch(pattern, path, 0)
    matches, for re.fullmatch with re.DOTALL.

    Not Python's fnmatch.translate: there a backslash is an ordinary character and `[^...]` is
    no negation, while glibc quotes with a backslash and takes both `[!` and `[^`.
    """
    out: List[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1] != ".*":
                out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\":
            if i == n:
                return NEVER  # a trailing backslash quotes nothing: fnmatch matches nothing
            out.append(re.escape(pattern[i]))
            i += 1
        elif c == "[":
            bracket = _bracket(pattern, i)
            if bracket is None:
                out.append(re.escape(c))  # no closing `]`: an ordinary character
            else:
                expression, i = bracket
                out.append(expression)
        else:
            out.append(re.escape(c))
    return "".join(out)


def _bracket(pattern: str, start: int) -> Optional[Tuple[str, int]]:
    """(regular expression, index after the `]`) of the bracket expression that opens before
    `start`, or None when it has no closing `]`."""
    i, n = start, len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    items: List[str] = []
    valid = True
    first = True
    while True:
        if i >= n:
            return None
        c = pattern[i]
        if c == "]" and not first:
            i += 1
            break
        first = False
        if c == "[" and i + 1 < n and pattern[i + 1] in ":=.":
            kind = pattern[i + 1]
            end = pattern.find(kind + "]", i + 2)
            if end < 0:
                return None
            name = pattern[i + 2:end]
            i = end + 2
            if kind == ":":
                if name in CLASSES:
                    items.append(CLASSES[name])
                else:
                    valid = False  # glibc: an unknown class makes the pattern match nothing
            elif len(name) == 1:
                items.append(re.escape(name))  # [=a=], [.a.]: the character itself
            else:
                valid = False
            continue
        if c == "\\":
            i += 1
            if i >= n:
                return None
            c = pattern[i]
        i += 1
        if i + 1 < n and pattern[i] == "-" and pattern[i + 1] != "]":
            high = pattern[i + 1]
            i += 2
            if high == "\\":
                if i >= n:
                    return None
                high = pattern[i]
                i += 1
            if c <= high:
                items.append(f"{re.escape(c)}-{re.escape(high)}")
            continue  # a reversed range holds nothing
        items.append(re.escape(c))
    if not valid:
        return NEVER, i
    if not items:
        return ("[\\s\\S]" if negate else NEVER), i
    return f"[{'^' if negate else ''}{''.join(items)}]", i


# -- reading dpkg's configuration --------------------------------------------------------------


def config_files(fs: RootFS) -> List[str]:
    """The files dpkg reads its options from, in its order: last $HOME/.dpkg.cfg, of root
    (who runs apt, dpkg and the repairs)."""
    directory = f"{CONFIG_DIR}/dpkg.cfg.d"
    return [f"{directory}/{name}" for name in sorted(fs.listdir(directory))
            if CONFIG_NAME.fullmatch(name)] + [f"{CONFIG_DIR}/dpkg.cfg", ROOT_CONFIG]


def read_path_filter(fs: RootFS) -> PathFilter:
    """The path filters of the root's dpkg configuration; lines dpkg refuses are noted."""
    rules: List[PathRule] = []
    for path in config_files(fs):
        text = fs.read_text(path, limit=1 << 20)
        if text is None:
            continue
        for number, name, value, problem in parse_options(text):
            if problem:
                fs.note("corrupt", path, f"line {number}: {problem}; dpkg refuses to run with "
                                         "it, and pyguard reads no path filter from it")
            elif name in OPTIONS:
                rules.append(PathRule(OPTIONS[name], value or "", f"{path}:{number}"))
    return PathFilter(tuple(rules))


def parse_options(text: str) -> Iterator[Tuple[int, str, Optional[str], str]]:
    """(line number, option, value or None, why dpkg refuses the line or "") of each line that
    is not blank or a comment, read as dpkg reads its configuration files."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip(" \t\n\v\f\r")
        if not line or line.startswith("#"):
            continue
        m = re.match(r"[0-9A-Za-z-]*", line)
        name = m.group(0) if m else ""
        rest = line[len(name):]
        value: Optional[str] = None
        if rest:
            rest = rest[1:]  # the character that ends the name: `=` or a blank, usually
            if rest.startswith("="):
                rest = rest[1:]
            value = rest.lstrip(" \t\n\v\f\r")
            if value[:1] in ("'", '"'):
                if value[-1] != value[0]:
                    yield number, name, None, f"unbalanced quotes in {value!r}"
                    continue
                value = value[1:-1]
        if not name:
            yield number, name, value, "a line must start with an option name"
        elif name.startswith("-"):
            yield number, name, value, (f"{name!r}: dpkg's configuration files write options "
                                        "without their leading hyphens")
        elif name in OPTIONS and value is None:
            yield number, name, None, f"{name} needs a value"
        else:
            yield number, name, value, ""
