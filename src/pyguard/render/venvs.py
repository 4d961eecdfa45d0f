"""`pyguard venvs` output: a table of virtual environments, as plain text, rich or JSON.

Paths, versions and problems come from the venvs, which their owners write: every cell is made
printable (render/escape.py), and rich gets Text, never markup ("[bold]" in a path stays text).
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, TextIO

from .. import __version__
from ..findings import Problem
from ..rootfs import Note
from ..venv_rows import VenvRow
from .escape import printable
from .json import SCHEMA

HEADERS = ("VENV", "PYTHON", "INTERPRETER", "PACKAGES", "HEALTH")


def health(venv: VenvRow) -> str:
    return "ok" if venv.healthy else f"broken: {venv.problem}"


def rows(venvs: Sequence[VenvRow]) -> List[List[str]]:
    """One row per venv: path, version pyvenv.cfg records, where bin/python3 leads, count, health."""
    return [[printable(cell) for cell in (_path(v), v.python or "?", v.interpreter,
                                          str(len(v.projects)), health(v))]
            for v in venvs]


def _path(venv: VenvRow) -> str:
    return f"{venv.path} ({venv.managed_by})" if venv.managed_by else venv.path


def status(venvs: Sequence[VenvRow], errors: Sequence[Problem]) -> str:
    if errors:
        return "unknown"
    return "warning" if any(not v.healthy for v in venvs) else "ok"


def exit_code(venvs: Sequence[VenvRow], errors: Sequence[Problem]) -> int:
    return {"unknown": 3, "warning": 1, "ok": 0}[status(venvs, errors)]


def summary(venvs: Sequence[VenvRow], roots: Sequence[str]) -> str:
    where = ", ".join(printable(r) for r in roots)
    if not venvs:
        return f"pyguard venvs: no virtual environments under {where}."
    bad = sum(1 for v in venvs if not v.healthy)
    line = f"pyguard venvs: {len(venvs)} found under {where}, "
    if not bad:
        return line + "all ok."
    rules = [rule for rule, managed in (("venv-broken", ""), ("pipx-app-broken", "pipx"),
                                           ("uv-tool-broken", "uv"))
             if any(not v.healthy and v.managed_by == managed for v in venvs)]
    only = " ".join(f"--only {rule}" for rule in rules or ["pipx-app-broken"])
    return line + f"{bad} broken; `pyguard doctor {only}` prints the repairs."


def text(venvs: Sequence[VenvRow], roots: Sequence[str], notes: Sequence[Note] = ()) -> str:
    """The plain table, columns padded to their widest cell (the last one is not)."""
    lines: List[str] = []
    if venvs:
        table = [list(HEADERS)] + rows(venvs)
        widths = [max(len(row[i]) for row in table) for i in range(len(HEADERS) - 1)]
        for row in table:
            cells = [cell.rjust(w) if i == 3 else cell.ljust(w)
                     for i, (cell, w) in enumerate(zip(row, widths))]
            lines.append("  ".join(cells + [row[-1]]))
        lines.append("")
    lines.append(summary(venvs, roots))
    if notes:
        lines += ["", "Not checked (could not read):"]
        lines += [f"  {printable(n.path)}: {printable(n.message)}" for n in notes]
    return "\n".join(lines) + "\n"


def rich_table(venvs: Sequence[VenvRow], roots: Sequence[str], notes: Sequence[Note],
               stream: TextIO) -> None:
    """The same table drawn by rich, for a terminal."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, highlight=False, no_color=False)  # the caller chose colour
    if venvs:
        table = Table(*HEADERS)
        table.columns[3].justify = "right"
        for column in table.columns:
            column.overflow = "fold"  # paths are shown whole, never cut with an ellipsis
        for venv, row in zip(venvs, rows(venvs)):
            style = "green" if venv.healthy else "bold yellow"
            table.add_row(*map(Text, row[:-1]), Text(row[-1], style=style))
        console.print(table)
    console.print(Text(summary(venvs, roots)))
    if notes:
        console.print(Text("\nNot checked (could not read):"))
        for note in notes:
            console.print(Text(f"  {printable(note.path)}: {printable(note.message)}"))


def envelope(venvs: Sequence[VenvRow], roots: Sequence[str], root: str,
             errors: Sequence[Problem] = (), notes: Sequence[Note] = (),
             ) -> Dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "pyguard", "version": __version__},
        "command": "venvs",
        "root": root,
        "roots": list(roots),
        "status": status(venvs, errors),
        "exit_code": exit_code(venvs, errors),
        "venvs": [_venv(v) for v in venvs],
        "errors": [{"code": e.code, "message": e.message} for e in errors],
        "notes": [{"code": n.code, "path": n.path, "message": n.message} for n in notes],
    }


def _venv(venv: VenvRow) -> Dict[str, Any]:
    return {
        "path": venv.path,
        "python": venv.python,
        "interpreter": venv.interpreter,
        "runs": f"python{venv.runs}" if venv.runs else "",
        "health": "ok" if venv.healthy else "broken",
        "problem": venv.problem,
        "system_site_packages": venv.system_site_packages,
        "managed_by": venv.managed_by,
        "packages": [{"name": p.name, "version": p.version, "installer": p.installer}
                     for p in venv.projects],
    }
