"""Which python3 do root's shells, sudo and cron find first in PATH?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Set, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.python import follow_python3
from ..facts.root_path import (DEBIAN_SUPATH, STOP, CondaSetup, PathEntry, RootShell, ShellLine,
                               gather_root_shell)
from ..findings import Hit

EDITABLE = ("shell", "pyenv-init", "login-defs", "pam-env")
"""Lines a repair comments out; sudoers (visudo) and crontabs (crontab -e) are left to people."""
CONDARC_LINE = "{key}: false"


@dataclass
class _Found:
    """One foreign python3 and where it comes first."""

    contexts: List[str] = field(default_factory=list)
    entries: List[PathEntry] = field(default_factory=list)


def other_python3_first(facts: Facts) -> Iterator[Hit]:
    """A python3 ahead of Debian's in the PATH of any of root's shells, sudo or cron."""
    shell = facts.get(gather_root_shell)
    default = facts.defaults.default
    if not default:
        return
    debian = f"/usr/bin/python{default}"
    found: Dict[str, _Found] = {}
    for context in shell.contexts:
        for python3, entry in _foreign(facts, context.entries, debian):
            where = found.setdefault(python3, _Found())
            if context.context not in where.contexts:
                where.contexts.append(context.context)
            where.entries.append(entry)
    conda: Dict[ShellLine, List[str]] = {}
    for python3, where in found.items():
        directory = where.entries[0].directory
        if directory in DEBIAN_SUPATH:  # Debian's own directory: the python3 is what is wrong
            movable = not facts.dpkg.owners(python3) and directory.startswith("/usr/local/")
            yield _hit(python3, where.contexts, f"{python3} is found before Debian's "
                       f"/usr/bin/python3", (python3,), move=(python3,) if movable else ())
            continue
        lines = _ordered(line for entry in where.entries for line in entry.lines)
        for line in lines:
            if line.kind == "conda":
                contexts = conda.setdefault(line, [])
                contexts += [c for c in where.contexts if c not in contexts]
        shown = [line for line in lines if line.kind != "conda"]
        if shown or not lines:
            edits = _edits(line for line in shown if line.kind in EDITABLE)
            files = tuple(dict.fromkeys(line.file for line in shown))
            cause = f"{python3}{_pyenv_note(facts, python3)} is found before Debian's " \
                    "/usr/bin/python3" + (": " if shown else "") + \
                    "; ".join(f"{line.file} line {line.number}: {line.text}" for line in shown)
            yield _hit(python3, where.contexts, cause, (python3,) + files, edits=edits)
    for block, contexts in conda.items():
        setup = next((s for s in shell.conda if s.block == block), None)
        if setup is not None:
            yield _conda_hit(shell, setup, contexts)


def _foreign(facts: Facts, entries: Tuple[PathEntry, ...], debian: str
             ) -> Iterator[Tuple[str, PathEntry]]:
    """Each python3 other than Debian's found ahead of it, in PATH order."""
    for entry in entries:
        if entry.directory in STOP:
            return
        candidate = f"{entry.directory.rstrip('/')}/python3"
        if facts.fs.lstat(candidate) is None:
            continue
        link = follow_python3(facts.fs, facts.dpkg, candidate)
        if link.kind == "file" and link.final == debian:
            return  # a link to Debian's own interpreter: that is what runs
        yield candidate, entry


def _ordered(lines: Iterable[ShellLine]) -> List[ShellLine]:
    """Each line once; files in the order they are first met, lines in file order."""
    unique = list(dict.fromkeys(lines))
    files = list(dict.fromkeys(line.file for line in unique))
    return sorted(unique, key=lambda line: (files.index(line.file), line.number))


def _edits(lines: Iterable[ShellLine]) -> Tuple[str, ...]:
    """"FILE:N,M" per file: the lines to comment out so that none of `lines` runs, and the whole
    if/for/{ } around them where they were all its branch held (an empty branch is a syntax
    error)."""
    by_file: Dict[str, List[ShellLine]] = {}
    for line in lines:
        by_file.setdefault(line.file, []).append(line)
    out = []
    for file, targets in by_file.items():
        off: Set[int] = set()
        for line in targets:
            off.update(range(line.span[0], line.span[1] + 1))
        grown = True
        while grown:
            grown = False
            for line in targets:
                for body in line.bodies:
                    if not all(set(range(a, b + 1)) <= off for a, b in body.items):
                        break
                    block = set(range(body.block[0], body.block[1] + 1))
                    if not block <= off:
                        off |= block
                        grown = True
        out.append(f"{file}:{','.join(str(n) for n in sorted(off))}")
    return tuple(out)


def _pyenv_note(facts: Facts, python3: str) -> str:
    """", pyenv's shim (its global version is X)," for a python3 in pyenv's shims directory."""
    directory = python3.rsplit("/", 1)[0]
    if not directory.endswith("/shims"):
        return ""
    root = directory[: -len("/shims")]
    if not (facts.fs.is_dir(f"{root}/versions") or facts.fs.exists(f"{root}/bin/pyenv")
            or facts.fs.exists(f"{root}/version") or root.endswith("/.pyenv")):
        return ""
    words = (facts.fs.read_text(f"{root}/version", limit=4096) or "").split()
    return f", pyenv's shim (its global version is {words[0] if words else 'system'}),"


def _conda_hit(shell: RootShell, setup: CondaSetup, contexts: List[str]) -> Hit:
    condarc = shell.condarc
    setting = setup.setting
    block = setup.block
    if setting is None:
        said = f"{condarc} does not turn auto_activate_base off"
    else:
        said = f"{setting.file} says {setting.text}"
    key = setting.text.split(":")[0] if setting is not None else "auto_activate_base"
    edits = (f"{condarc}:{setting.number}",) if setting is not None and setting.file == condarc \
        else ()
    return _hit(condarc, contexts,
                f"{block.file} (line {block.number}) runs conda's initialize block, and {said}, "
                f"so conda's base environment and its python3 ({setup.prefix}/bin/python3) come "
                "first", (condarc,), condarc_edits=edits, condarc_append=condarc,
                condarc_line=CONDARC_LINE.format(key=key))


def _hit(subject: str, contexts: List[str], cause: str, paths: Tuple[str, ...],
         move: Tuple[str, ...] = (), edits: Tuple[str, ...] = (),
         condarc_edits: Tuple[str, ...] = (), condarc_append: str = "",
         condarc_line: str = "") -> Hit:
    evidence: Dict[str, object] = {
        "contexts": tuple(contexts), "cause": cause, "move": move, "edits": edits,
        "condarc_edits": condarc_edits, "condarc_append": condarc_append,
        "condarc_line": condarc_line,
        "label": aside_label("python3-path", subject.strip("/").replace("/", "-")),
    }
    return Hit(subject=subject, evidence=evidence,  # type: ignore[arg-type]
               paths=tuple(dict.fromkeys(paths)))
