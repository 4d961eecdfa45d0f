"""apt asked several questions side by side.

A simulation or `--print-uris` is a third of a second to a second of one core in apt's solver
and takes no lock, so the questions of one plan, all asked of the same unchanged system, run
on as many cores as there are (up to four). What takes apt's locks (downloads, installs) stays
one after another.
"""

from __future__ import annotations

import os
from typing import Callable, List, Sequence, TypeVar

MAX_ASKED_AT_ONCE = 4

Question = TypeVar("Question")
Answer = TypeVar("Answer")


def each_at_once(ask: Callable[[Question], Answer], questions: Sequence[Question]) -> List[Answer]:
    """`[ask(q) for q in questions]`, in that order, asked side by side."""
    workers = min(len(questions), os.cpu_count() or 1, MAX_ASKED_AT_ONCE)
    if workers <= 1:
        return [ask(question) for question in questions]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(ask, questions))
