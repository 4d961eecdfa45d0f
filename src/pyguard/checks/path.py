"""Which python3 do root's shell and sudo find first in PATH?"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.python import follow_python3
from ..facts.root_path import PathEntry, ShellLine, gather_root_shell
from ..findings import Hit

STOP = ("/usr/bin", "/bin")
"""Where Debian's python3 is found; what comes after it does not matter."""
COMMENT = "# disabled by pyguard: "


def other_python3_first(facts: Facts) -> Iterator[Hit]:
    """A python3 ahead of /usr/bin/python3 in root's PATH or sudo's secure_path, pyenv, conda."""
    shell = facts.get(gather_root_shell)
    default = facts.defaults.default
    if not default:
        return
    debian = f"/usr/bin/python{default}"
    found: Dict[str, List[Tuple[str, PathEntry]]] = {}
    for context, entries in (("root's PATH", shell.login_path), ("sudo's secure_path", shell.sudo_path)):
        hit = _first_foreign(facts, entries, debian)
        if hit is not None:
            found.setdefault(hit[0], []).append((context, hit[1]))
    edits: Dict[str, List[ShellLine]] = {}
    for python3, where in found.items():
        entry = where[0][1]
        if entry.line is not None:  # a PATH line in root's shell file put its directory first
            edits.setdefault(entry.line.file, []).append(entry.line)
            continue
        movable = not facts.dpkg.owners(python3) and entry.directory.startswith("/usr/local/")
        yield _hit(facts, python3, tuple(c for c, _ in where),
                   f"{python3} is found before Debian's /usr/bin/python3",
                   move=(python3,) if movable else ())
    pyenv_active = shell.pyenv_version != "system"
    for line in shell.pyenv_lines if pyenv_active else ():
        if line not in edits.get(line.file, []):
            edits.setdefault(line.file, []).append(line)
    for file, lines in edits.items():
        lines = sorted(set(lines), key=lambda l: l.number)
        pyenv = pyenv_active and any(l in shell.pyenv_lines for l in lines)
        cause = (f"pyenv's shims come first (its global version is {shell.pyenv_version})"
                 if pyenv else f"{file} puts another directory first")
        yield _hit(facts, file, ("root's PATH",),
                   f"{cause}: {'; '.join(f'line {l.number}: {l.text.strip()}' for l in lines)}",
                   keep=(file,), file=file,
                   sed=";".join(f"{l.number}s/^/{COMMENT}/" for l in lines))
    if shell.conda_blocks and shell.auto_activate_base in (None, "true", "yes", "on"):
        block = shell.conda_blocks[0]
        exists = facts.fs.is_file(shell.condarc)
        said = shell.auto_activate_base is not None
        yield _hit(facts, shell.condarc, ("root's PATH",),
                   f"{block[0].file} (line {block[0].number}) runs conda's initialize block, and "
                   f"{shell.condarc} " + ("says auto_activate_base: true" if said else
                                          "does not turn auto_activate_base off") +
                   ", so conda's base environment and its python3 come first",
                   keep=(shell.condarc,) if exists else (),
                   condarc=shell.condarc if said else "",
                   condarc_sed=r"s/^\([ \t]*auto_activate_base[ \t]*:[ \t]*\).*/\1false/" if said else "",
                   condarc_append="" if said else shell.condarc)


def _first_foreign(facts: Facts, entries: Tuple[PathEntry, ...], debian: str) -> Optional[Tuple[str, PathEntry]]:
    """(python3 path, its PATH entry) when something other than Debian's python3 is found first."""
    for entry in entries:
        candidate = f"{entry.directory.rstrip('/')}/python3"
        if entry.directory.rstrip("/") in STOP:
            return None
        if facts.fs.lstat(candidate) is None:
            continue
        link = follow_python3(facts.fs, facts.dpkg, candidate)
        if link.kind == "file" and link.final == debian:
            return None  # a link to Debian's own interpreter: harmless
        return candidate, entry
    return None


def _hit(facts: Facts, subject: str, contexts: Tuple[str, ...], cause: str, move=(), keep=(),
         file: str = "", sed: str = "", condarc: str = "", condarc_sed: str = "",
         condarc_append: str = "") -> Hit:
    paths = tuple(dict.fromkeys(tuple(move) + tuple(keep) + ((file,) if file else ()) +
                                ((condarc or condarc_append,) if condarc or condarc_append else ())))
    return Hit(
        subject=subject,
        evidence={"contexts": contexts, "cause": cause, "move": tuple(move), "keep": tuple(keep),
                  "file": file, "sed": sed, "condarc": condarc, "condarc_sed": condarc_sed,
                  "condarc_append": condarc_append,
                  "label": aside_label("python3-path", subject.strip("/").replace("/", "-"))},
        paths=paths or (subject,),
    )
