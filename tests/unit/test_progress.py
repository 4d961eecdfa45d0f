"""The spinner of slow work: only on a terminal, only once the work is slow."""

import io
import time

from pyguard.render.progress import slow_work


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_slow_work_on_a_terminal_shows_the_message_and_clears_it():
    out = Terminal()
    with slow_work("pyguard: examining", after=0.01, stream=out, force=True):
        time.sleep(0.5)
    assert "pyguard: examining" in out.getvalue()


def test_quick_work_shows_nothing():
    out = Terminal()
    with slow_work("pyguard: examining", after=5, stream=out, force=True):
        pass
    assert out.getvalue() == ""


def test_not_on_a_terminal_nothing_is_shown(capsys):
    out = io.StringIO()
    with slow_work("pyguard: examining", after=0.01, stream=out):
        time.sleep(0.2)
    assert out.getvalue() == ""
