"""An action's command as a person types it: inside --root with chroot, with sudo when not root."""

from __future__ import annotations

import shlex

from .quoting import quote

OPERATORS = (" && ", " | ", " > ")


def for_person(command: str, root: str, as_root: bool) -> str:
    """`command` (run as root inside the system) as one line that a person pastes.

    sudo and chroot apply to one simple command, so a command with && or a redirection runs
    whole in `sh -c`: `sudo a && b` would run b without root.
    """
    compound = any(op in command for op in OPERATORS)
    if root != "/":
        command = f"chroot {quote(root)} /bin/sh -c {shlex.quote(command)}"
    elif compound and not as_root:
        command = f"sh -c {shlex.quote(command)}"
    return command if as_root else f"sudo {command}"
