"""Shell start-up files as a tree of commands, to be read without being run.

Root's PATH comes from files such as /etc/profile and ~/.profile, and pyguard may not run the
examined system's code. So it parses them: enough of the POSIX and bash grammar to tell which
command sits in which branch of an `if`, `for` or `case` (commenting out the only command of a
branch is a syntax error, so a repair must know), where a function body is (defining a function
runs none of it), and which physical lines each command spans. What it does not understand
becomes an opaque node that changes nothing; a parse never fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

Span = Tuple[int, int]
"""First and last physical line (1-based) of a command."""

OPERATORS = (";;&", ";;", ";&", "&&", "||", "|&", ";", "&", "|", "(", ")")
REDIRECTIONS = ("<<<", "<<-", "&>>", "<<", ">>", ">|", ">&", "<&", "&>", "<>", ">", "<")
OPERATOR_START = "<>&;|()"
"""The first character of every operator and redirection."""
PLAIN_WORD = re.compile(r"[^ \t\r\n;&|()<>\\'\"$`]+")
PLAIN_QUOTED = re.compile(r"[^\"\\$\n]+")
PLAIN_INSIDE = {"(": re.compile(r"[^\\'\"\n()]+"), "{": re.compile(r"[^\\\"\n{}]+")}
"""Runs of characters that mean nothing special in a word, between double quotes, and inside
$( ) or ${ }: skipped at once (a character at a time was most of the cost of reading root's
shell files)."""
RESERVED_END = ("then", "elif", "else", "fi", "do", "done", "esac", "}", ";;", ";&", ";;&", ")")


@dataclass(frozen=True)
class Token:
    kind: str
    """word, op (newline is the op "\\n"), redir"""
    text: str
    line: int


@dataclass(frozen=True)
class Simple:
    """A simple command: its words as written (quotes kept), redirections dropped."""

    words: Tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Pipeline:
    """`a | b` or `! a`: nothing of it changes the shell reading the file (but its status)."""

    commands: Tuple["Node", ...]
    negated: bool
    span: Span


@dataclass(frozen=True)
class AndOr:
    """`a && b || c`: `ops` joins parts[i] and parts[i + 1]."""

    parts: Tuple["Node", ...]
    ops: Tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class If:
    clauses: Tuple[Tuple[Tuple["Node", ...], Tuple["Node", ...]], ...]
    """(condition, body) of `if` and each `elif`."""
    otherwise: Optional[Tuple["Node", ...]]
    span: Span


@dataclass(frozen=True)
class For:
    name: str
    words: Tuple[str, ...]
    body: Tuple["Node", ...]
    span: Span


@dataclass(frozen=True)
class Case:
    word: str
    arms: Tuple[Tuple[Tuple[str, ...], Tuple["Node", ...]], ...]
    span: Span


@dataclass(frozen=True)
class Group:
    """`{ ...; }`: runs in the shell reading the file."""

    body: Tuple["Node", ...]
    span: Span


@dataclass(frozen=True)
class Opaque:
    """A function definition, a loop, a subshell: nothing of it changes the shell reading the file
    when the file is read."""

    span: Span


Node = Union[Simple, Pipeline, AndOr, If, For, Case, Group, Opaque]


def parse(text: str) -> Tuple[Node, ...]:
    """The file's commands, in order; each top-level item is one node. A file nested deeper than
    Python's stack can follow is read as holding nothing."""
    try:
        return _Parser(tokens(text)).body(())
    except RecursionError:
        return ()


# --------------------------------------------------------------------------- lexer


def tokens(text: str) -> List[Token]:
    """Words, operators and redirections; comments and line continuations gone."""
    out: List[Token] = []
    i, line, n = 0, 1, len(text)
    heredocs: List[Tuple[str, bool]] = []
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\\" and text.startswith("\\\n", i):
            i, line = i + 2, line + 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "\n":
            out.append(Token("op", "\n", line))
            i, line = i + 1, line + 1
            for delimiter, strip in heredocs:
                i, line = _skip_heredoc(text, i, line, delimiter, strip)
            heredocs = []
        elif c in OPERATOR_START and _redirection_at(text, i):
            op = _redirection_at(text, i)
            out.append(Token("redir", op, line))
            i += len(op)
            if op in ("<<", "<<-"):
                start_line = line
                while i < n and text[i] in " \t":
                    i += 1
                word, i, line = _word(text, i, line)
                out.append(Token("word", word, start_line))
                heredocs.append((word.replace("'", "").replace('"', "").replace("\\", ""),
                                 op == "<<-"))
        elif c in OPERATOR_START:  # not a redirection: an operator
            op = next(op for op in OPERATORS if text.startswith(op, i))
            out.append(Token("op", op, line))
            i += len(op)
        else:
            start_line = line
            word, i, line = _word(text, i, line)
            if word and i < n and text[i] in "<>" and word.isdigit():
                continue  # an IO number (2>...): the redirection comes next
            out.append(Token("word", word, start_line))
    return out


def _redirection_at(text: str, i: int) -> str:
    return next((op for op in REDIRECTIONS if text.startswith(op, i)), "")


def _skip_heredoc(text: str, i: int, line: int, delimiter: str, strip: bool) -> Tuple[int, int]:
    while i < len(text):
        end = text.find("\n", i)
        end = len(text) if end < 0 else end
        body = text[i:end]
        i, line = end + 1, line + 1
        if (body.lstrip("\t") if strip else body) == delimiter:
            break
    return min(i, len(text)), line


def _word(text: str, i: int, line: int) -> Tuple[str, int, int]:
    """One word as written, from i; quotes, $(...), ${...} and `...` may hold anything."""
    start, n = i, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n;&|()<>":
            break
        if c == "\\":
            if text.startswith("\\\n", i):
                line += 1
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            line += text.count("\n", i, end)
            i = end + 1
        elif c == '"':
            i, line = _double_quoted(text, i + 1, line)
        elif c == "$" and text.startswith("$(", i):
            i, line = balanced(text, i + 2, line, "(", ")")
        elif c == "$" and text.startswith("${", i):
            i, line = balanced(text, i + 2, line, "{", "}")
        elif c == "`":
            end = text.find("`", i + 1)
            end = n if end < 0 else end
            line += text.count("\n", i, end)
            i = end + 1
        else:
            plain = PLAIN_WORD.match(text, i)
            i = plain.end() if plain else i + 1
    return text[start:min(i, n)], min(i, n), line


def _double_quoted(text: str, i: int, line: int) -> Tuple[int, int]:
    n = len(text)
    while i < n and text[i] != '"':
        plain = PLAIN_QUOTED.match(text, i)
        if plain:
            i = plain.end()
            continue
        if text[i] == "\\":
            line += text[i + 1:i + 2] == "\n"
            i += 2
        elif text.startswith("$(", i):
            i, line = balanced(text, i + 2, line, "(", ")")
        elif text.startswith("${", i):
            i, line = balanced(text, i + 2, line, "{", "}")
        else:
            line += text[i] == "\n"
            i += 1
    return i + 1, line


def balanced(text: str, i: int, line: int, open_: str, close: str) -> Tuple[int, int]:
    """Past the `close` that ends a $( or ${ opened just before i, and the line reached."""
    depth, n = 1, len(text)
    skip = PLAIN_INSIDE[open_].match
    while i < n:
        plain = skip(text, i)
        if plain:
            i = plain.end()
            continue
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and open_ == "(":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            line += text.count("\n", i, end)
            i = end + 1
            continue
        if c == '"':
            i, line = _double_quoted(text, i + 1, line)
            continue
        line += c == "\n"
        depth += (c == open_) - (c == close)
        i += 1
        if depth == 0:
            break
    return i, line


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, toks: List[Token]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> Optional[Token]:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def at_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text in words

    def at_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "op" and tok.text in ops

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def line(self) -> int:
        tok = self.peek() or (self.toks[-1] if self.toks else Token("op", "\n", 1))
        return tok.line

    def skip_separators(self) -> None:
        while self.at_op("\n", ";", "&"):
            self.take()

    def body(self, ends: Tuple[str, ...]) -> Tuple[Node, ...]:
        """Items until one of `ends` (a reserved word or operator) or the end of the text."""
        items: List[Node] = []
        while True:
            self.skip_separators()
            tok = self.peek()
            if tok is None or (tok.text in ends and tok.kind in ("word", "op")):
                return tuple(items)
            if tok.text in RESERVED_END and tok.kind in ("word", "op"):
                self.take()  # a stray `fi` or `)`: a syntax error in the file, skipped
                continue
            before = self.i
            items.append(self.and_or())
            if self.i == before:
                self.take()

    def and_or(self) -> Node:
        parts = [self.pipeline()]
        ops: List[str] = []
        while self.at_op("&&", "||"):
            ops.append(self.take().text)
            while self.at_op("\n"):
                self.take()
            parts.append(self.pipeline())
        if not ops:
            return parts[0]
        return AndOr(tuple(parts), tuple(ops), (parts[0].span[0], parts[-1].span[1]))

    def pipeline(self) -> Node:
        first = self.line()
        negated = False
        while self.at_word("!"):
            self.take()
            negated = not negated
        commands = [self.command()]
        while self.at_op("|", "|&"):
            self.take()
            while self.at_op("\n"):
                self.take()
            commands.append(self.command())
        if len(commands) == 1 and not negated:
            return commands[0]
        return Pipeline(tuple(commands), negated, (first, commands[-1].span[1]))

    def command(self) -> Node:
        tok = self.peek()
        if tok is None:
            return Opaque((self.line(), self.line()))
        if tok.kind == "word":
            compound = {"if": self.if_, "for": self.for_, "case": self.case,
                        "while": self.loop, "until": self.loop, "select": self.loop,
                        "{": self.group, "function": self.function, "[[": self.double_bracket}
            if tok.text in compound:
                return compound[tok.text]()
            nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
            if nxt is not None and nxt.kind == "op" and nxt.text == "(":
                return self.function()
        if tok.kind == "op" and tok.text == "(":
            self.take()
            self.body((")",))
            end = self.take().line if self.at_op(")") else self.line()
            self.redirections()
            return Opaque((tok.line, end))
        return self.simple()

    def simple(self) -> Node:
        words: List[str] = []
        first = last = self.line()
        while True:
            tok = self.peek()
            if tok is None or tok.kind == "op":
                break
            self.take()
            last = max(last, tok.line)
            if tok.kind == "redir":
                if self.peek() is not None and self.peek().kind == "word":  # type: ignore[union-attr]
                    last = max(last, self.take().line)
                continue
            words.append(tok.text)
        return Simple(tuple(words), (first, last))

    def redirections(self) -> None:
        while self.peek() is not None and self.peek().kind == "redir":  # type: ignore[union-attr]
            self.take()
            if self.peek() is not None and self.peek().kind == "word":  # type: ignore[union-attr]
                self.take()

    def end_of(self, word: str) -> int:
        """Take the closing reserved word; its line (or the last line read when it is missing)."""
        if self.at_word(word):
            line = self.take().line
            self.redirections()
            return line
        return self.toks[self.i - 1].line if self.i else 1

    def if_(self) -> Node:
        first = self.take().line
        clauses = []
        otherwise = None
        while True:
            condition = self.body(("then",))
            if self.at_word("then"):
                self.take()
            body = self.body(("elif", "else", "fi"))
            clauses.append((condition, body))
            if self.at_word("elif"):
                self.take()
                continue
            if self.at_word("else"):
                self.take()
                otherwise = self.body(("fi",))
            break
        return If(tuple(clauses), otherwise, (first, self.end_of("fi")))

    def for_(self) -> Node:
        first = self.take().line
        name = self.take().text if self.peek() is not None and self.peek().kind == "word" else ""  # type: ignore[union-attr]
        words: List[str] = []
        if self.at_word("in"):
            self.take()
            while self.peek() is not None and self.peek().kind == "word":  # type: ignore[union-attr]
                words.append(self.take().text)
        else:
            words.append('"$@"')
        self.skip_separators()
        if self.at_word("do"):
            self.take()
        body = self.body(("done",))
        return For(name, tuple(words), body, (first, self.end_of("done")))

    def loop(self) -> Node:
        first = self.take().line
        self.body(("do",))
        if self.at_word("do"):
            self.take()
        self.body(("done",))
        return Opaque((first, self.end_of("done")))

    def group(self) -> Node:
        first = self.take().line
        body = self.body(("}",))
        return Group(body, (first, self.end_of("}")))

    def function(self) -> Node:
        first = self.line()
        if self.at_word("function"):
            self.take()
        if self.peek() is not None and self.peek().kind == "word":  # type: ignore[union-attr]
            self.take()
        if self.at_op("("):
            self.take()
            if self.at_op(")"):
                self.take()
        while self.at_op("\n"):
            self.take()
        body = self.command()
        return Opaque((first, body.span[1]))

    def double_bracket(self) -> Node:
        """`[[ ... ]]`, whose && and || belong to the test."""
        first = self.line()
        words: List[str] = []
        last = first
        while self.peek() is not None:
            tok = self.take()
            last = tok.line
            if tok.kind == "op" and tok.text == "\n":
                break
            words.append(tok.text)
            if tok.kind == "word" and tok.text == "]]":
                break
        self.redirections()
        return Simple(tuple(words), (first, last))

    def case(self) -> Node:
        first = self.take().line
        word = self.take().text if self.peek() is not None and self.peek().kind == "word" else ""  # type: ignore[union-attr]
        while self.at_op("\n"):
            self.take()
        if self.at_word("in"):
            self.take()
        arms = []
        while True:
            self.skip_separators()
            if self.peek() is None or self.at_word("esac"):
                break
            if self.at_op("("):
                self.take()
            patterns: List[str] = []
            while self.peek() is not None and not self.at_op(")", "\n"):
                tok = self.take()
                if tok.kind == "word":
                    patterns.append(tok.text)
            if self.at_op(")"):
                self.take()
            body = self.body((";;", ";&", ";;&", "esac"))
            arms.append((tuple(patterns), body))
            if self.at_op(";;", ";&", ";;&"):
                self.take()
        return Case(word, tuple(arms), (first, self.end_of("esac")))
