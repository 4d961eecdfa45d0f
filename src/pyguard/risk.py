"""What a repair command does to the system, read from the command itself.

Repair commands are written in rule files as shell text for people to read and paste. `pyguard
fix` has to know more than a person does before it runs one: which packages apt will unpack,
which local files a step moves, edits or replaces, so that it can check the packages can be had
and keep every such file in the undo store first. Deriving that from the command keeps a rule's
repair in one place; a command this module does not understand is refused, never guessed at.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import List, Tuple

SAFE = "safe"
MOVES_FILES = "moves files"


class UnknownCommand(ValueError):
    """A repair command whose effect pyguard cannot tell; fix will not run it."""


@dataclass(frozen=True)
class Action:
    """One simple command of a repair step (steps may chain several with &&)."""

    verb: str
    """apt-install, apt-update, dpkg-configure, mkdir, archive, move-aside, edit, append, link,
    alternatives-remove, divert-remove, make-venv, pip-in-venv, own-venv"""
    argv: Tuple[str, ...]
    packages: Tuple[str, ...] = ()
    """apt-install: the packages named on the command line."""
    paths: Tuple[str, ...] = ()
    """Absolute paths inside the root that the action removes or changes in place."""
    replaces_conffiles: bool = False
    """apt-install with --force-confnew or --force-confmiss: edited conffiles are replaced."""

    @property
    def risk(self) -> str:
        if self.verb == "apt-install":
            return MOVES_FILES if self.replaces_conffiles else SAFE
        if self.verb in ("move-aside", "edit", "append", "link", "alternatives-remove",
                         "divert-remove"):
            return MOVES_FILES
        return SAFE


def actions_of(command: str) -> Tuple[Action, ...]:
    """The simple commands of `command`, in order; UnknownCommand for anything unexpected."""
    try:
        tokens = shlex.split(command)
    except ValueError as exc:
        raise UnknownCommand(f"cannot parse {command!r}: {exc}") from None
    segments: List[List[str]] = [[]]
    for token in tokens:
        if token == "&&":
            segments.append([])
        else:
            segments[-1].append(token)
    if any(not s for s in segments):
        raise UnknownCommand(f"empty command in {command!r}")
    return tuple(_action(argv, command) for argv in segments)


def risk_of(command: str) -> str:
    """`moves files` when any part of the command moves, edits or replaces a local file."""
    try:
        return risk_of_actions(actions_of(command))
    except UnknownCommand:
        return MOVES_FILES  # unknown effect: never call it safe


def risk_of_actions(actions: Tuple[Action, ...]) -> str:
    return MOVES_FILES if any(a.risk == MOVES_FILES for a in actions) else SAFE


def _action(argv: List[str], command: str) -> Action:
    verb = argv[0]
    args = tuple(argv)
    if verb == "apt-get":
        return _apt(args, command)
    if verb == "dpkg" and "--configure" in argv:
        return Action("dpkg-configure", args)
    if verb == "mkdir":
        return Action("mkdir", args)
    if verb == "tar":
        return _tar(args, command)
    if verb == "sed" and len(argv) >= 4 and argv[1] == "-i":
        return Action("edit", args, paths=(argv[-1],))
    if verb == "printf" and len(argv) >= 4 and argv[-2] == ">>":
        return Action("append", args, paths=(argv[-1],))
    if verb == "ln" and len(argv) == 4 and argv[1] in ("-sfn", "-sf"):
        return Action("link", args, paths=(argv[3],))
    if verb == "update-alternatives" and argv[1:2] == ["--remove-all"] and len(argv) == 3:
        return Action("alternatives-remove", args, paths=(argv[2],))
    if verb == "dpkg-divert" and argv[1:3] == ["--rename", "--remove"] and len(argv) == 4:
        return Action("divert-remove", args, paths=(argv[3],))
    if verb.split("/")[-1].startswith("python") and argv[1:3] == ["-m", "venv"]:
        return Action("make-venv", args, paths=(argv[-1],))
    if verb.split("/")[-1].startswith("python") and argv[1:4] == ["-m", "pip", "install"]:
        return Action("pip-in-venv", args)
    if verb == "chown" and argv[1:2] == ["-R"] and len(argv) == 4:
        return Action("own-venv", args)  # the venv the step before made anew
    raise UnknownCommand(f"pyguard cannot tell what {' '.join(argv[:3])} ... changes: {command!r}")


def _apt(args: Tuple[str, ...], command: str) -> Action:
    if args[1:] == ("update",):
        return Action("apt-update", args)
    if "install" not in args:
        raise UnknownCommand(f"unexpected apt-get command: {command!r}")
    packages: List[str] = []
    options = args[1:]
    skip = False
    for word in options:
        if skip:
            skip = False
        elif word == "-o":
            skip = True
        elif not word.startswith("-") and word != "install":
            packages.append(word)
    forced = any(w.endswith(("--force-confnew", "--force-confmiss")) for w in options)
    return Action("apt-install", args, packages=tuple(packages), replaces_conffiles=forced)


def _tar(args: Tuple[str, ...], command: str) -> Action:
    """tar -C / [--remove-files] -czf ARCHIVE PATH...: a copy, or a move when files are removed."""
    if args[1:3] != ("-C", "/") or "-czf" not in args:
        raise UnknownCommand(f"unexpected tar command: {command!r}")
    members = args[args.index("-czf") + 2:]
    paths = tuple("/" + m.lstrip("/") for m in members)
    if "--remove-files" in args:
        return Action("move-aside", args, paths=paths)
    return Action("archive", args)
