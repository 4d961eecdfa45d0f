"""sudo's secure_path in a root's /etc/sudoers, read as sudo reads it: `@include`, `@includedir`
(and their older `#` spellings), no file of an included directory whose name holds a dot or
ends in `~`, a line continued by a backslash, the last setting winning. Read through RootFS, so
links are followed inside the root only: doctor's PATH of `sudo` and the pip guard's status
read the same."""

from __future__ import annotations

import os
import re
from typing import List, NamedTuple, Optional

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .rootfs import RootFS

READ_LIMIT = 1 << 20
MAX_DEPTH = 8
SECURE_PATH = re.compile(r"^[ \t]*Defaults\b[^#]*?\bsecure_path[ \t]*=[ \t]*(\"[^\"]*\"|[^\s,]+)")
INCLUDE = re.compile(r"^[ \t]*[@#](include|includedir)[ \t]+(\S+)")


class Setting(NamedTuple):
    """The line that sets secure_path."""

    file: str
    first: int
    """1-based number of its first line."""
    last: int
    text: str
    """The line(s) as written, joined and stripped."""
    value: str
    """What it sets, without quotes."""


def secure_path(fs: "RootFS") -> Optional[Setting]:
    """The secure_path sudo runs commands with, or None where sudoers sets none."""
    found: List[Setting] = []

    def read(path: str, depth: int) -> None:
        text = fs.read_text(path, limit=READ_LIMIT)
        if text is None or depth > MAX_DEPTH:
            return
        lines = text.split("\n")
        number = 0
        while number < len(lines):
            first = number + 1
            raw = lines[number]
            while raw.endswith("\\") and number + 1 < len(lines):
                number += 1
                raw = raw[:-1] + " " + lines[number]
            number += 1
            include = INCLUDE.match(raw)
            if include:
                target = include.group(2)
                if not target.startswith("/"):
                    target = f"{os.path.dirname(path)}/{target}"
                if include.group(1) == "include":
                    read(target, depth + 1)
                else:
                    for name in sorted(fs.listdir(target)):
                        if "." not in name and not name.endswith("~"):
                            read(f"{target}/{name}", depth + 1)
                continue
            setting = SECURE_PATH.match(raw)
            if setting:
                found.append(Setting(path, first, number, raw.strip(),
                                     setting.group(1).strip('"')))

    read("/etc/sudoers", 0)
    return found[-1] if found else None
