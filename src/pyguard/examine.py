"""The examine step doctor and report share: load the config, run every rule over a root.

Whatever goes wrong (no such root, a bad config line, a bug in pyguard) comes back as a Problem
in the Examination instead of an exception, so every command can still give a clear answer and
exit 3.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

from .engine import Problem, Report


@dataclass(frozen=True)
class Examination:
    """One run of the rules over a root, or why it could not run."""

    root: str
    """The examined root as given, made absolute (os.path.realpath)."""
    report: Optional[Report]
    host: Any
    """HostInfo of the root, or None when it could not be examined."""
    default_python: str
    rules: Mapping[str, Any]
    """Every rule loaded (id -> Rule), also those --only left out."""
    problem: Optional[Problem]
    started: float
    """time.time() when the run started."""
    duration: float
    """Seconds the examination took."""

    @property
    def exit_code(self) -> int:
        if self.problem is not None or self.report is None:
            return 3
        return self.report.exit_code

    def envelope(self) -> Dict[str, Any]:
        """The doctor's JSON envelope (schema pyguard/1) of this examination."""
        from .render.json import envelope

        return envelope(self.report, self.host, self.default_python, self.root,
                        [self.problem] if self.problem else [])


def examine(root: str, only: Optional[Sequence[str]] = None, command: str = "doctor",
            config_path: Optional[str] = None, config: Any = None) -> Examination:
    """Make the config active (`config`, else the file at config_path, else the default file;
    see pyguard.config), then run the rules."""
    from . import config as config_module

    started = time.time()
    clock = time.monotonic()
    problem = None
    report = host = None
    default = ""
    rules: Mapping[str, Any] = {}
    try:
        config_module.activate(config if config is not None else config_module.load(config_path))
        if not os.path.isdir(root):
            problem = Problem("bad-root", f"--root {root}: no such directory")
        else:
            report, host, default, rules = _run(root, only, command)
    except config_module.ConfigError as exc:
        problem = Problem("bad-config", str(exc))
    except Exception as exc:  # pyguard's own failure must still give a clear answer and exit 3
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        problem = Problem("internal-error", f"{type(exc).__name__}: {exc}")
    return Examination(os.path.realpath(root), report, host, default, rules, problem,
                       started, time.monotonic() - clock)


def _run(root: str, only: Optional[Sequence[str]], command: str):
    from .engine import run
    from .facts import Facts
    from .rootfs import RootFS
    from .rules import load_rules

    from .config import active

    rules = load_rules()
    active().check_rules(rules)
    unknown = sorted(set(only or ()) - set(rules))
    if unknown:
        from .cli import UsageError
        raise UsageError(f"pyguard {command}: unknown rule(s): {', '.join(unknown)} (see pyguard rules)")
    facts = Facts(RootFS(root))
    report = run(facts, rules, only=only)
    return report, facts.host, facts.defaults.default, rules
