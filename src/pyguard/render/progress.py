"""A spinner for work that turns out slow, on a terminal only.

Most runs take a fraction of a second and should print nothing but their result. A first full
verification on a cold disk can take several: after a second, a spinner on stderr says pyguard
is working. Never in pipes or cron (stdout and stderr must both be terminals), and rich is only
imported once the spinner is due.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Dict, Iterator, Optional, TextIO

AFTER = 1.0


def on_terminal(*streams: TextIO) -> bool:
    """Whether a spinner may be drawn: every stream a terminal, not a dumb one, and rich there."""
    from .terminal import have_rich

    try:
        return all(s.isatty() for s in streams) and os.environ.get("TERM") != "dumb" and \
            have_rich()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def slow_work(message: str, after: float = AFTER, stream: Optional[TextIO] = None,
              force: bool = False) -> Iterator[None]:
    """Show `message` with a spinner on `stream` (stderr) if the block lasts beyond `after`."""
    stream = stream or sys.stderr
    if not (force or on_terminal(sys.stdout, stream)):
        yield
        return
    import threading

    lock = threading.Lock()
    state: Dict[str, Any] = {"done": False, "status": None}

    def start() -> None:
        with lock:
            if state["done"]:
                return
            from rich.console import Console
            from rich.text import Text

            from .escape import printable
            from .terminal import no_color

            console = Console(file=stream, force_terminal=True, no_color=no_color(),
                              highlight=False)
            state["status"] = console.status(Text(printable(message)))  # never markup
            state["status"].start()

    timer = threading.Timer(after, start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["status"] is not None:
                state["status"].stop()
