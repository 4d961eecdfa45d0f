"""Colour on a terminal: rich only when stdout is a TTY, NO_COLOR is unset and TERM is not dumb.

Renderers mark spans with `marked`; `write` turns the marks into rich styles, or strips them, so
the same renderer serves a terminal, a pipe and cron.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

START, MIDDLE, END = "\x1d", "\x1e", "\x1f"
SPAN = re.compile(f"{START}([^{MIDDLE}]*){MIDDLE}(.*?){END}", re.S)
STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold blue", "ok": "green",
          "heading": "bold", "title": "bold", "command": "cyan", "note": "dim"}


def use_color(stream: TextIO) -> bool:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def marked(text: str, name: str) -> str:
    return f"{START}{name}{MIDDLE}{text}{END}"


def write(text: str, stream: TextIO, color: bool) -> None:
    if not color:
        stream.write(SPAN.sub(lambda m: m.group(2), text))
        return
    from rich.console import Console
    from rich.text import Text

    out = Text()
    position = 0
    for m in SPAN.finditer(text):
        out.append(text[position:m.start()])
        out.append(m.group(2), style=STYLES.get(m.group(1), ""))
        position = m.end()
    out.append(text[position:])
    Console(file=stream, highlight=False, soft_wrap=True).print(out, end="")
