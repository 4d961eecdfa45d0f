"""Environment variables and pip settings that take root's Python off Debian's rails."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterable, Iterator, List, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.environment import (PIP_OPTION, PIP_VARIABLE, PYTHON_VARIABLES, SUDO_KEPT, Line,
                                 Setting, gather_environment, line_numbers)
from ..findings import Hit

DISABLED = "# disabled by pyguard: "

HOW = {
    "environment": "set for every login session",
    "systemd": "set for every system service",
    "shell": "set for every shell",
    "root-shell": "set for root's shells",
    "sudoers": "let through sudo",
    "pip-config": "turned on",
}

REACH = {
    "environment": "pam_env puts it into every login session (console, ssh, su -, sudo -i), "
                   "root's included, and from there into every program started in it.",
    "systemd": "systemd passes it to every service it starts once it reads the file again "
               "(systemctl daemon-reexec, a reboot), apt's daily upgrade and unattended-upgrades "
               "among them, which run as root.",
    "shell": "Shells read this file for every user, root included, and pass it on to every "
             "program started from them.",
    "root-shell": "root's shells read this file and pass it on to every program root starts "
                  "from them.",
    "sudoers": "With env_keep, sudo hands the calling user's value on to every command it runs "
               "as root.",
    "pip-config": "pip reads this file whenever root runs it.",
}

EFFECT = {
    "PYTHONPATH": "PYTHONPATH puts its directories before the standard library and Debian's "
                  "packages on sys.path, so Debian's own tools import modules from there.",
    "PYTHONHOME": "PYTHONHOME makes /usr/bin/python3 load its standard library from another "
                  "prefix: it then fails to start (No module named 'encodings') or runs code "
                  "Debian never built.",
    "PYTHONSTARTUP": "PYTHONSTARTUP names a file that every interactive python3 session runs "
                     "first, root's too.",
    "PYTHONUSERBASE": "PYTHONUSERBASE moves the user site directory, which comes before "
                      "/usr/local and Debian's dist-packages on sys.path, to another place whose "
                      "modules then hide Debian's.",
    "HOME": "With the calling user's HOME, root's python3 puts her ~/.local site directory "
            "before /usr/local and Debian's dist-packages on sys.path: what she installed there "
            "with pip install --user runs as root in every Python program sudo starts, apt's "
            "hooks under sudo apt among them.",
    PIP_VARIABLE: "PIP_BREAK_SYSTEM_PACKAGES makes pip ignore the PEP 668 marker: \"sudo pip "
                  "install\" writes into the system interpreter without a word, over the "
                  "packages Debian manages.",
    PIP_OPTION: "break-system-packages makes pip ignore the PEP 668 marker: \"sudo pip install\" "
                "writes into the system interpreter without a word, over the packages Debian "
                "manages.",
}


def env_guard_rails(facts: Facts) -> Iterator[Hit]:
    """PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONUSERBASE set for root or everyone, and a
    HOME that sudo keeps."""
    settings = [s for s in facts.get(gather_environment).settings
                if s.variable in PYTHON_VARIABLES + SUDO_KEPT]
    yield from _hits(settings)


def pip_break_system_packages(facts: Facts) -> Iterator[Hit]:
    """PIP_BREAK_SYSTEM_PACKAGES in the environment, break-system-packages in pip.conf."""
    settings = [s for s in facts.get(gather_environment).settings
                if s.variable in (PIP_VARIABLE, PIP_OPTION)]
    yield from _hits(settings)


def _hits(settings: Iterable[Setting]) -> Iterable[Hit]:
    by_file: Dict[Tuple[str, str, str], List[Setting]] = defaultdict(list)
    for setting in settings:
        by_file[(setting.path, setting.real_path, setting.kind)].append(setting)
    for (path, real, kind), group in by_file.items():
        variables = tuple(s.variable for s in group)
        lines: Dict[int, Line] = {}
        for setting in group:
            for line in setting.lines:
                lines.setdefault(line.number, line)
        shown = [lines[n] for n in sorted(lines)]
        numbers = line_numbers(shown)
        yield Hit(
            subject=path,
            evidence={
                "variables": variables,
                "file": path,
                "how": HOW[kind],
                "lines": "; ".join(f"line {line.number}: {line.text}" for line in shown),
                "effect": " ".join(EFFECT[v] for v in variables),
                "reach": REACH[kind],
                "target": real,
                "edits": f"{real}:{','.join(map(str, numbers))}",
                "numbers": ("line " if len(numbers) == 1 else "lines ")
                           + ", ".join(map(str, numbers)),
                "label": aside_label(path.strip("/").replace("/", "-")),
            },
            paths=tuple(dict.fromkeys((path, real))),
        )
