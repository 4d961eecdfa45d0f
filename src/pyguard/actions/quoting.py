"""Shell words for names a user chose: what the command names, in text a terminal may show.

shlex.quote keeps every character as it is, and a name can hold what a terminal must not get
raw (ESC, a lone CR, bidi overrides) or bytes that are not UTF-8. Shown escaped (render.escape),
such a command names another file when pasted. Here each such character is written as
"$(printf '\\NNN')" (its bytes in octal), which any POSIX sh, dash included (it has no $'...'),
expands back to exactly those bytes; the rest is quoted as shlex.quote does. A newline stays as
it is inside the quotes: command substitution would drop it, and printable() shows it as \\n.
"""

from __future__ import annotations

import shlex


def quote(word: str) -> str:
    if word.isprintable():
        return shlex.quote(word)
    parts = []
    run = ""
    for char in word:
        if run and _shown(char) != _shown(run[0]):
            parts.append(_word(run))
            run = ""
        run += char
    return "".join(parts + [_word(run)])


def _shown(char: str) -> bool:
    return char.isprintable() or char == "\n"


def _word(run: str) -> str:
    """A run of characters, all shown or all not, as one shell word."""
    if _shown(run[0]):
        return shlex.quote(run)
    octal = "".join(f"\\{b:03o}" for b in run.encode("utf-8", "surrogateescape"))
    return f"\"$(printf '{octal}')\""
