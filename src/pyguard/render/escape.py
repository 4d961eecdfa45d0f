"""Strings from the examined system, made safe for a terminal, a pipe, cron mail or a monitor.

A package name, a path, a file's content or a command's output is written by whoever controls
that file, and pyguard shows it to root. Raw, it could steer root's terminal: ESC and CSI
sequences retitle the window, clear the screen or hide the lines of a plan root is asked to
confirm; a lone CR or a newline forges a line; bidi overrides show a name in another order
than its bytes. So, as `ls -b` and systemd's cescape() do, every character that Python does not
call printable is shown as an escape: newline, CR and tab as `\\n`, `\\r`, `\\t`; the rest of
C0, DEL and C1 as `\\x1b`; bytes that are not UTF-8 (file names' surrogate escapes) as the byte,
`\\xff`; Unicode format characters (bidi embeddings, overrides and isolates, zero-width
characters, soft hyphen, byte order mark, tag characters), line and paragraph separators,
spaces other than ' ', private-use and unassigned code points as `\\u202e` or `\\U000e0001`.

A backslash stays as it is, so a repair command still reads as the shell command it is: the
escapes are for a person to read, not a reversible encoding. JSON needs none of this: it keeps
the exact values, with its own escaping.

Cheap: nothing is imported, and a string that is all printable (nearly every one) is returned
after one pass of str.isprintable, in C.
"""

from __future__ import annotations

SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """A value as one line of text: every non-printable character escaped, newlines included."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def printable_lines(text: str) -> str:
    """Text whose newlines are its layout (command output, a rendered report): each line
    made printable, the newlines kept; a CR, lone or before a newline, is escaped."""
    if text.isprintable():
        return text
    return "\n".join(printable(line) for line in text.split("\n"))


def _escape(char: str) -> str:
    if char in SHORT:
        return SHORT[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
