"""Colour on a terminal: rich only when stdout is a TTY, NO_COLOR is unset or empty (as
no-color.org asks), TERM is not dumb and rich is installed; and the width prose is wrapped to.

Renderers mark spans with `marked`; `write` turns the marks into rich styles, or strips them, so
the same renderer serves a terminal, a pipe and cron. The marks are control characters, so
renderers make every value from the examined system printable (render/escape.py) before they
put it in a line or a span: a value cannot forge a span, a line or a terminal sequence.
`write` escapes whatever non-printable character is still left (newlines stay: they are the
renderer's layout), so nothing raw reaches the stream even from a value a renderer missed.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

from .escape import printable_lines

START, MIDDLE, END = "\x1d", "\x1e", "\x1f"
SPAN = re.compile(f"{START}([^{MIDDLE}]*){MIDDLE}(.*?){END}", re.S)
STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold blue", "ok": "green",
          "heading": "bold", "title": "bold", "command": "cyan", "note": "dim"}
PIPE_WIDTH, MIN_WIDTH, MAX_WIDTH = 96, 40, 120


def no_color() -> bool:
    """NO_COLOR with a value turns colour off; set but empty it does not (no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def use_color(stream: TextIO) -> bool:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not no_color() and os.environ.get("TERM") != "dumb" and have_rich()


def have_rich() -> bool:
    """Whether rich is there to draw with: dpkg may have unpacked pyguard without python3-rich
    (`dpkg -i` while apt refuses, the day it dies); the terminal then gets plain text."""
    from importlib.util import find_spec

    return find_spec("rich") is not None


def prose_width(stream: TextIO) -> int:
    """Where prose wraps: at COLUMNS when it is set (as for dpkg -l, a script or a person can
    ask for a width, also for a pipe), else at the terminal's width, else (a pipe, a file,
    cron mail) at 96. Never below 40 (indents and paths need room), never above 120 (longer
    lines of prose are hard to read, even on a wide terminal)."""
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and columns.isascii() else 0
    if width <= 0:
        try:
            width = os.get_terminal_size(stream.fileno()).columns if stream.isatty() else 0
        except (AttributeError, ValueError, OSError):
            width = 0
    return max(MIN_WIDTH, min(MAX_WIDTH, width)) if width > 0 else PIPE_WIDTH


def marked(text: str, name: str) -> str:
    return f"{START}{name}{MIDDLE}{text}{END}"


def write(text: str, stream: TextIO, color: bool) -> None:
    if not color:
        stream.write(printable_lines(SPAN.sub(lambda m: m.group(2), text)))
        return
    from rich.console import Console
    from rich.text import Text

    out = Text()  # Text, not a markup string: "[bold]" in a name prints as it is
    position = 0
    for m in SPAN.finditer(text):
        out.append(printable_lines(text[position:m.start()]))
        out.append(printable_lines(m.group(2)), style=STYLES.get(m.group(1), ""))
        position = m.end()
    out.append(printable_lines(text[position:]))
    Console(file=stream, highlight=False, soft_wrap=True, no_color=False).print(out, end="")
