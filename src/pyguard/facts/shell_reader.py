"""How root's shells make PATH: each start-up file read as the shell reads it, never run.

The reading half of pyguard.facts.root_path, imported only when root's shell files must be read
again (a run whose files are unchanged takes what the last one found from pyguard's cache).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .root_path import (READ_LIMIT, Body, CondaSetup, PathEntry, ShellLine, Start, path_entries,
                        remember)
from .shell_syntax import (AndOr, Case, For, Group, If, Node, Opaque, Pipeline, Simple, Span,
                           balanced, parse)

MAX_DEPTH = 16
MAX_TEXT = 300
"""Characters of a line shown in a finding."""
UNKNOWN = "\x01"
"""Stands for what cannot be known without running something ($(cmd), $?, $1)."""
PATH_MARK = "\x02"
"""Stands for the old $PATH while a PATH assignment is expanded."""
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
BRACED = re.compile(r"(#?)([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+=?])(.*))?", re.S)
PYENV_INIT = re.compile(r"""(?:^|[\s"'(`;])((?:[^\s"'()`;]*/)?pyenv)\s+init\b([^"')`;|&]*)""")
RUN_PARTS = re.compile(r"""\$\(\s*run-parts\s+(.*)\)""", re.S)
CONDA_SH = "/etc/profile.d/conda.sh"
"""Below a conda prefix: sourced, it defines the conda shell function `conda activate` needs."""
CONDA_START = "# >>> conda initialize >>>"
CONDA_END = "# <<< conda initialize <<<"
CONDA_EXE = re.compile(r"""['"]?([^'"\s]+)/bin/conda['"]?\s+['"]?shell\.""")
AUTO_ACTIVATE = re.compile(r"^(auto_activate(?:_base)?)[ \t]*:[ \t]*([^\s#]*)", re.M)
FALSE_WORDS = ("false", "no", "off", "0")
TEST_OPERATORS = ("!", "(", ")", "-a", "-o", "&&", "||", "=", "==", "!=", "<", ">", "=~", "-eq",
                  "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef")
UNARY = ("-e", "-a", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-n", "-z", "-v", "-b",
         "-c", "-g", "-G", "-k", "-N", "-O", "-p", "-S", "-t", "-u")
BINARY = ("=", "==", "!=", "<", ">", "=~", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt",
          "-ot", "-ef")
BUILTINS = frozenset("""alias bg bind break builtin caller cd command compgen complete continue
declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs
kill let local logout mapfile popd printf pushd pwd read readarray readonly return set shift
shopt source suspend test times trap true type typeset ulimit umask unalias unset wait""".split())


def _startup_files(kind: str, login: bool, home: str) -> List[Sequence[str]]:
    """What each shell reads, in order; of a tuple only the first file that exists."""
    if kind == "zsh":
        files: List[Sequence[str]] = [("/etc/zsh/zshenv",), (f"{home}/.zshenv",)]
        if login:
            files += [("/etc/zsh/zprofile",), (f"{home}/.zprofile",)]
        files += [("/etc/zsh/zshrc",), (f"{home}/.zshrc",)]
        return files + ([("/etc/zsh/zlogin",), (f"{home}/.zlogin",)] if login else [])
    if kind in ("sh", "dash"):
        return [("/etc/profile",), (f"{home}/.profile",)] if login else []
    if login:
        return [("/etc/profile",),
                (f"{home}/.bash_profile", f"{home}/.bash_login", f"{home}/.profile")]
    return [("/etc/bash.bashrc",), (f"{home}/.bashrc",)]


def shell_path(fs, home: str, kind: str, login: bool, start: Start,
                conda: Dict[Tuple[str, int], CondaSetup]) -> Tuple[PathEntry, ...]:
    """The PATH an interactive shell of root ends with (logins, su, sudo -i, a terminal)."""
    variables = {"HOME": home, "USER": "root", "LOGNAME": "root", "UID": "0", "EUID": "0",
                 "-": "himBH", "PS1": "\\s-\\v\\$ "}
    if kind == "bash":
        variables.update(BASH="/bin/bash", BASH_VERSION="5.2.0(1)-release", SHELL="/bin/bash")
    elif kind == "zsh":
        variables.update(ZSH_VERSION="5.9", SHELL="/bin/zsh")
    reader = _Reader(fs, home, variables, start, conda)
    try:
        for choices in _startup_files(kind, login, home):
            found = next((f for f in choices if fs.is_file(f)), None)
            if found:
                reader.read(found)
    except _Exit:
        pass
    return path_entries(reader.path, reader.history)


class _Return(Exception):
    """`return` in a sourced file: the rest of that file is not read."""


class _Exit(Exception):
    """`exit`: the shell ends; nothing more is read."""


@dataclass(frozen=True)
class _Where:
    file: str
    lines: Tuple[str, ...]
    bodies: Tuple[Body, ...]
    item: Span
    conda: Tuple[Span, ...]

    def inside(self, block: Span, items: Optional[Tuple[Span, ...]]) -> "_Where":
        bodies = self.bodies if items is None else (Body(block, items),) + self.bodies
        return _Where(self.file, self.lines, bodies, self.item, self.conda)

    def at(self, item: Span) -> "_Where":
        return _Where(self.file, self.lines, self.bodies, item, self.conda)


def _spans(nodes: Tuple[Node, ...]) -> Tuple[Span, ...]:
    return tuple(n.span for n in nodes)


class _Reader:
    """Follows one shell through its start-up files; never runs anything."""

    def __init__(self, fs, home: str, variables: Dict[str, str], start: Start,
                 conda: Dict[Tuple[str, int], CondaSetup]) -> None:
        self.fs = fs
        self.home = home
        self.vars = dict(variables)
        self.path: Start = list(start)
        self.history: Dict[str, List[ShellLine]] = {}
        self.stack: List[str] = []
        self.conda = conda
        self.conda_prefix = ""
        """The conda whose shell function a file set up (initialize block, conda.sh)."""
        self.marking = False
        self.applied: set = set()
        remember(self.path, self.history)

    # -- files -------------------------------------------------------------------------------

    def read(self, path: str) -> None:
        if len(self.stack) >= MAX_DEPTH or path in self.stack:
            return
        text = self.fs.read_text(path, limit=READ_LIMIT)
        if text is None:
            return
        lines = tuple(text.split("\n"))
        where = _Where(path, lines, (), (0, 0), _conda_blocks(lines))
        self.stack.append(path)
        try:
            self.run(parse(text), where)
        except (_Return, RecursionError):
            pass
        finally:
            self.stack.pop()

    def run(self, nodes: Tuple[Node, ...], where: _Where) -> Optional[bool]:
        status: Optional[bool] = True
        for node in nodes:
            block = next((b for b in where.conda if b[0] <= node.span[0] <= b[1]), None)
            if block is not None:
                if (where.file, block) not in self.applied:
                    self.applied.add((where.file, block))
                    self.conda_block(block, where)
                continue
            status = self.node(node, where.at(node.span))
        return status

    def node(self, node: Node, where: _Where) -> Optional[bool]:
        if isinstance(node, Simple):
            return self.simple(node.words, where)
        if isinstance(node, AndOr):
            status = self.node(node.parts[0], where)
            for op, part in zip(node.ops, node.parts[1:]):
                if (op == "&&") == (status is not False):
                    status = self.node(part, where)
            return status
        if isinstance(node, Pipeline):
            if len(node.commands) > 1:
                return None  # each command of a pipeline runs in a subshell
            status = self.node(node.commands[0], where)
            return None if status is None else not status
        if isinstance(node, If):
            for condition, body in node.clauses:
                if self.run(condition, where.inside(node.span, ())) is not False:
                    return self.run(body, where.inside(node.span, _spans(body)))
            if node.otherwise is not None:
                return self.run(node.otherwise, where.inside(node.span, _spans(node.otherwise)))
            return True
        if isinstance(node, For):
            status: Optional[bool] = True
            for value in self.for_words(node.words):
                self.vars[node.name] = value
                status = self.run(node.body, where.inside(node.span, _spans(node.body)))
            return status
        if isinstance(node, Case):
            word = self.expand(node.word)
            if UNKNOWN in word:
                return None
            for patterns, body in node.arms:
                if any(fnmatchcase(word, self.expand(p)) for p in patterns):
                    return self.run(body, where)  # an empty case arm is valid
            return True
        if isinstance(node, Group):
            return self.run(node.body, where.inside(node.span, _spans(node.body)))
        assert isinstance(node, Opaque)
        return None

    # -- simple commands ---------------------------------------------------------------------

    def simple(self, words: Tuple[str, ...], where: _Where) -> Optional[bool]:
        rest = list(words)
        assignments = []
        while rest and ASSIGNMENT.match(rest[0]):
            assignments.append(rest.pop(0))
        if not rest:
            for word in assignments:
                self.assign(word, where)
            return True
        name, args = self.expand(rest[0]), rest[1:]
        if name in ("export", "readonly", "declare", "typeset", "local"):
            for word in args:
                if ASSIGNMENT.match(word):
                    self.assign(word, where)
            return True
        if name in (".", "source"):
            return self.source(args)
        if name == "eval":
            return self.eval(args, where)
        if name == "return":
            raise _Return()
        if name in ("exit", "exec", "logout"):
            raise _Exit()
        if name in ("[", "test", "[["):
            return self.test(args, name == "[[")
        if name in ("true", ":"):
            return True
        if name == "false":
            return False
        if name == "unset":
            for word in args:
                if NAME.fullmatch(word) and word != "PATH":
                    self.vars.pop(word, None)
            return True
        if name in ("command", "type", "hash", "which"):
            return self.lookup_command(name, args)
        if name == "conda":
            return self.conda_activate([self.expand(a) for a in args], where)
        return None

    def conda_activate(self, args: List[str], where: _Where) -> Optional[bool]:
        """`conda activate [ENV]`, as conda images and tutorials put it after the initialize
        block (or after sourcing conda.sh): ENV's bin (base's without one) comes first, whatever
        auto_activate_base says."""
        if not args or args[0] != "activate" or any(UNKNOWN in a for a in args):
            return None
        names = [a for a in args[1:] if not a.startswith("-")]
        prefix = self.conda_prefix
        found = self.which("conda")
        if found is not None:
            top = os.path.dirname(os.path.dirname(found))  # PREFIX/bin/conda, PREFIX/condabin/conda
            if self.fs.is_file(f"{top}/bin/conda"):
                prefix = top
        if not prefix:
            return False  # no conda to run: the shell says "command not found"
        env = names[0] if names else "base"
        top = env if env.startswith("/") else prefix if env == "base" else f"{prefix}/envs/{env}"
        bin_dir = os.path.normpath(f"{top}/bin")
        if not self.fs.is_dir(bin_dir):
            return False
        self.set_path([(bin_dir, self.line(where, "shell"))] +
                      [e for e in self.path if e[0] != bin_dir])
        return True

    def assign(self, word: str, where: _Where) -> None:
        name, _, raw = word.partition("=")
        append = name.endswith("+")
        name = name.rstrip("+")
        if name != "PATH":
            value = self.expand(raw, assignment=True)
            self.vars[name] = (self.vars.get(name, "") + value) if append else value
            return
        self.marking = True
        try:
            value = self.expand(raw, assignment=True)
        finally:
            self.marking = False
        if append:
            value = PATH_MARK + value
        line = self.line(where, "shell")
        new: Start = []
        for segment in value.split(":"):
            if segment == PATH_MARK:
                new += self.path
            elif segment.startswith("/") and UNKNOWN not in segment and PATH_MARK not in segment:
                new.append((os.path.normpath(segment), line))
        self.set_path(new)

    def set_path(self, new: Start) -> None:
        self.path = new
        remember(new, self.history)

    def line(self, where: _Where, kind: str) -> ShellLine:
        first, last = where.item
        text = " ".join(l.strip() for l in where.lines[first - 1:last])
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT] + "..."
        return ShellLine(where.file, first, text, kind, where.item, where.bodies)

    def source(self, args: List[str]) -> Optional[bool]:
        if not args:
            return False
        target = self.expand(args[0])
        if UNKNOWN in target or not target:
            return None
        if "/" not in target:  # bash looks for it in PATH, then in the working directory
            found = self.which(target) or (f"{self.home}/{target}"
                                           if self.fs.is_file(f"{self.home}/{target}") else None)
        else:
            found = target if target.startswith("/") else f"{self.home}/{target}"
        if found is None or not self.fs.is_file(found):
            return False
        found = os.path.normpath(found)
        if found.endswith(CONDA_SH) and self.fs.is_file(found[:-len(CONDA_SH)] + "/bin/conda"):
            self.conda_prefix = found[:-len(CONDA_SH)]  # defines the conda function, nothing more
            return True
        self.read(found)
        return True

    def eval(self, args: List[str], where: _Where) -> Optional[bool]:
        m = PYENV_INIT.search(" ".join(args))
        if not m:
            return None
        options = m.group(2).split()
        if "-" not in options and "--path" not in options:
            return True  # bare `pyenv init` prints advice and changes nothing
        program = m.group(1)
        if "/" in program:
            program = self.expand(program)
            found = self.fs.is_file(program)
        else:
            found = self.which("pyenv") is not None
        if not found:
            return False  # the eval of nothing: pyenv is not there to print the set-up
        root = self.vars.get("PYENV_ROOT") or f"{self.home}/.pyenv"
        if UNKNOWN in root or not root.startswith("/"):
            return None
        shims = os.path.normpath(f"{root}/shims")
        # pyenv init takes the shims out of PATH and puts them first
        self.set_path([(shims, self.line(where, "pyenv-init"))] +
                      [e for e in self.path if e[0] != shims])
        return True

    def conda_block(self, block: Span, where: _Where) -> None:
        """conda's hook: with auto_activate_base on, base's bin comes first."""
        first, last = block
        m = CONDA_EXE.search("\n".join(where.lines[first - 1:last]))
        if not m:
            return
        prefix = self.expand(m.group(1))
        if not prefix.startswith("/") or UNKNOWN in prefix:
            return
        prefix = os.path.normpath(prefix)
        if not self.fs.is_file(f"{prefix}/bin/conda"):
            return
        line = ShellLine(where.file, first, where.lines[first - 1].strip(), "conda", block,
                         where.bodies)
        setting, active = _conda_setting(self.fs, self.home, prefix)
        self.conda_prefix = prefix
        self.conda.setdefault((where.file, first), CondaSetup(prefix, line, setting, active))
        if active:
            self.set_path([(f"{prefix}/bin", line)] + self.path)

    # -- tests -------------------------------------------------------------------------------

    def lookup_command(self, name: str, args: List[str]) -> Optional[bool]:
        words = [self.expand(a) for a in args]
        if name == "command":
            if not words or words[0] not in ("-v", "-V"):
                return None  # runs the command
            words = words[1:]
        names = [w for w in words if not w.startswith("-")]
        if not names or any(UNKNOWN in n for n in names):
            return None
        if name != "which" and all(n in BUILTINS for n in names):
            return True
        return all(self.which(n) is not None for n in names)

    def which(self, program: str) -> Optional[str]:
        for directory, _ in self.path:
            candidate = f"{directory}/{program}"
            if self.fs.is_file(candidate):
                return candidate
        return None

    def test(self, words: List[str], double: bool) -> Optional[bool]:
        if words and words[-1] in ("]", "]]"):
            words = words[:-1]
        args: List[Tuple[bool, str]] = []
        for word in words:
            if word in TEST_OPERATORS or word in UNARY:
                args.append((True, word))
                continue
            value = self.expand(word)
            if value or double or any(q in word for q in "\"'"):
                args.append((False, value))  # an unquoted empty word disappears in [ ]
        return _Test(self, args, double).result()

    def file_test(self, op: str, path: str) -> Optional[bool]:
        if UNKNOWN in path:
            return None
        if not path.startswith("/"):
            path = f"{self.home}/{path}"  # start-up files run in the home directory
        fs = self.fs
        checks: Dict[str, Callable[[], bool]] = {
            "-e": lambda: fs.exists(path), "-a": lambda: fs.exists(path),
            "-f": lambda: fs.is_file(path), "-d": lambda: fs.is_dir(path),
            "-r": lambda: fs.exists(path), "-w": lambda: fs.exists(path),
            "-x": lambda: fs.exists(path), "-L": lambda: fs.is_symlink(path),
            "-h": lambda: fs.is_symlink(path),
            "-s": lambda: bool(fs.is_file(path) and (fs.stat(path) or _Empty).st_size),
        }
        check = checks.get(op)
        return check() if check else None

    # -- words -------------------------------------------------------------------------------

    def for_words(self, words: Tuple[str, ...]) -> List[str]:
        values: List[str] = []
        for word in words:
            parts = RUN_PARTS.fullmatch(word)
            if parts:
                values += self.run_parts(parts.group(1))
                continue
            value = self.expand(word)
            if UNKNOWN in value:
                continue
            quoted = any(q in word for q in "\"'")
            if not quoted and any(c in value for c in "*?["):
                values += self.glob(value)
            elif quoted:
                values.append(value)
            else:
                values += value.split()
        return values

    def glob(self, pattern: str) -> List[str]:
        directory, _, name = pattern.rpartition("/")
        if not directory.startswith("/") or any(c in directory for c in "*?["):
            return [pattern]
        found = [f"{directory}/{n}" for n in sorted(self.fs.listdir(directory))
                 if fnmatchcase(n, name) and (name.startswith(".") or not n.startswith("."))]
        return found or [pattern]

    def run_parts(self, text: str) -> List[str]:
        """`$(run-parts --list [--regex RE] DIR)`: the names run-parts would run, sorted."""
        words = [self.expand(w) for w in re.findall(r"""'[^']*'|"[^"]*"|\S+""", text)]
        if "--list" not in words or not words[-1].startswith("/"):
            return []
        regex = r"^[a-zA-Z0-9_-]+$"
        for i, word in enumerate(words):
            if word == "--regex" and i + 1 < len(words):
                regex = words[i + 1]
            elif word.startswith("--regex="):
                regex = word[len("--regex="):]
        try:
            pattern = re.compile(regex)
        except re.error:
            return []
        directory = words[-1].rstrip("/")
        return [f"{directory}/{n}" for n in sorted(self.fs.listdir(directory))
                if pattern.search(n) and self.fs.is_file(f"{directory}/{n}")]

    def lookup(self, name: str) -> Optional[str]:
        if name == "PATH":
            return PATH_MARK if self.marking else ":".join(d for d, _ in self.path)
        return self.vars.get(name)

    def expand(self, raw: str, assignment: bool = False) -> str:
        """A word's value: quotes removed, $VAR, ${VAR:-x}, ~ and known $(...) expanded."""
        out: List[str] = []
        i, n = 0, len(raw)
        quoted = False
        while i < n:
            c = raw[i]
            if c == '"':
                quoted = not quoted
                i += 1
            elif c == "'" and not quoted:
                end = raw.find("'", i + 1)
                end = n if end < 0 else end
                out.append(raw[i + 1:end])
                i = end + 1
            elif c == "\\":
                following = raw[i + 1:i + 2]
                if not quoted or following in '$`"\\':
                    out.append(following)
                    i += 2
                else:
                    out.append(c)
                    i += 1
            elif c == "~" and not quoted and (i == 0 or (assignment and raw[i - 1] in ":=")):
                j = i + 1
                while j < n and raw[j] not in "/:":
                    j += 1
                user = raw[i + 1:j]
                out.append(self.home if user in ("", "root") else UNKNOWN)
                i = j
            elif c == "$":
                value, i = self.dollar(raw, i)
                out.append(value)
            elif c == "`":
                end = raw.find("`", i + 1)
                end = n if end < 0 else end
                out.append(_substitution(raw[i + 1:end]))
                i = end + 1
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def dollar(self, raw: str, i: int) -> Tuple[str, int]:
        following = raw[i + 1:i + 2]
        if raw.startswith("$((", i):
            end, _ = balanced(raw, i + 2, 0, "(", ")")
            return UNKNOWN, end
        if following == "(":
            end, _ = balanced(raw, i + 2, 0, "(", ")")
            return _substitution(raw[i + 2:end - 1]), end
        if following == "{":
            end, _ = balanced(raw, i + 2, 0, "{", "}")
            return self.braced(raw[i + 2:end - 1]), end
        m = NAME.match(raw, i + 1)
        if m:
            return self.lookup(m.group()) or "", m.end()
        if following == "-":
            return self.vars.get("-", ""), i + 2
        if following and following in "?$!#@*0123456789":
            return UNKNOWN, i + 2
        return "$", i + 1

    def braced(self, inner: str) -> str:
        m = BRACED.fullmatch(inner)
        if not m:
            return self.vars.get("-", "") if inner == "-" else UNKNOWN
        length, name, op, word = m.groups()
        value = self.lookup(name)
        if length:
            return UNKNOWN if value is None or UNKNOWN in value else str(len(value))
        if not op:
            return value or ""
        if value is not None and UNKNOWN in value:
            return UNKNOWN
        empty = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return self.expand(word) if empty else value  # type: ignore[return-value]
        if op.endswith("="):
            if empty:
                self.vars[name] = self.expand(word)
                return self.vars[name]
            return value  # type: ignore[return-value]
        if op.endswith("+"):
            return "" if empty else self.expand(word)
        return UNKNOWN if empty else value  # type: ignore[return-value]


class _Empty:
    st_size = 0


class _Test:
    """test / [ / [[ with three outcomes: True, False, None (cannot tell without running)."""

    def __init__(self, reader: _Reader, args: List[Tuple[bool, str]], double: bool) -> None:
        self.reader = reader
        self.args = args
        self.double = double
        """[[ ]]: == and != match patterns."""
        self.i = 0

    def result(self) -> Optional[bool]:
        if not self.args:
            return False
        value = self.either()
        return value if self.i == len(self.args) else None

    def peek(self, operator: str) -> bool:
        return self.i < len(self.args) and self.args[self.i] == (True, operator)

    def either(self) -> Optional[bool]:
        value = self.both()
        while self.peek("-o") or self.peek("||"):
            self.i += 1
            other = self.both()
            value = True if (value or other) else (None if None in (value, other) else False)
        return value

    def both(self) -> Optional[bool]:
        value = self.negated()
        while self.peek("-a") or self.peek("&&"):
            self.i += 1
            other = self.negated()
            value = False if False in (value, other) else (None if None in (value, other) else True)
        return value

    def negated(self) -> Optional[bool]:
        if self.peek("!"):
            self.i += 1
            value = self.negated()
            return None if value is None else not value
        return self.primary()

    def primary(self) -> Optional[bool]:
        args, i = self.args, self.i
        if self.peek("("):
            self.i += 1
            value = self.either()
            if self.peek(")"):
                self.i += 1
            return value
        if i + 2 < len(args) and args[i + 1][0] and args[i + 1][1] in BINARY:
            self.i += 3
            return self.binary(args[i][1], args[i + 1][1], args[i + 2][1])
        if i + 1 < len(args) and args[i][0] and args[i][1] in UNARY:
            self.i += 2
            return self.unary(args[i][1], args[i + 1][1])
        if i < len(args):
            self.i += 1
            return None if UNKNOWN in args[i][1] else args[i][1] != ""
        return None

    def unary(self, op: str, value: str) -> Optional[bool]:
        if op in ("-n", "-z"):
            return None if UNKNOWN in value else (value != "") == (op == "-n")
        if op == "-v":
            return value in self.reader.vars
        return self.reader.file_test(op, value)

    def binary(self, left: str, op: str, right: str) -> Optional[bool]:
        if UNKNOWN in left or UNKNOWN in right:
            return None
        if op in ("=", "==", "!="):
            same = fnmatchcase(left, right) if self.double else left == right
            return same == (op != "!=")
        if op in ("<", ">"):
            return (left < right) if op == "<" else (left > right)
        if op.startswith("-") and op[1:] in ("eq", "ne", "lt", "le", "gt", "ge"):
            try:
                a, b = int(left), int(right)
            except ValueError:
                return None
            return {"eq": a == b, "ne": a != b, "lt": a < b, "le": a <= b, "gt": a > b,
                    "ge": a >= b}[op[1:]]
        return None


def _substitution(command: str) -> str:
    """$(...) that a start-up file uses to ask who runs it; anything else is unknown."""
    words = command.split()
    if words in (["id", "-u"], ["id", "-ru"], ["id", "-ur"], ["id", "-u", "-r"]):
        return "0"
    if words in (["id", "-un"], ["id", "-nu"], ["id", "-u", "-n"], ["whoami"]):
        return "root"
    return UNKNOWN


def _conda_blocks(lines: Tuple[str, ...]) -> Tuple[Span, ...]:
    blocks: List[Span] = []
    start = None
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith(CONDA_START):
            start = number
        elif stripped.startswith(CONDA_END) and start is not None:
            blocks.append((start, number))
            start = None
    return tuple(blocks)


def _conda_setting(fs, home: str, prefix: str) -> Tuple[Optional[ShellLine], bool]:
    """Whether conda activates base: the last of its configuration files that says (conda reads
    the system's, the installation's, then the user's), true when none does."""
    files = ("/etc/conda/.condarc", "/etc/conda/condarc", f"{prefix}/.condarc",
             f"{prefix}/condarc", f"{home}/.config/conda/.condarc",
             f"{home}/.config/conda/condarc", f"{home}/.conda/.condarc",
             f"{home}/.conda/condarc", f"{home}/.condarc")
    setting: Optional[ShellLine] = None
    value = ""
    for path in files:
        text = fs.read_text(path, limit=READ_LIMIT)
        for m in AUTO_ACTIVATE.finditer(text or ""):
            number = text.count("\n", 0, m.start()) + 1  # type: ignore[union-attr]
            setting = ShellLine(path, number, m.group(0).strip(), "condarc", (number, number))
            value = m.group(2).strip("'\"").lower()
    return setting, value not in FALSE_WORDS
