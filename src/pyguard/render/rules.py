"""`pyguard rules`: the catalogue as a table that fits the width, in the order doctor reports."""

from __future__ import annotations

import textwrap
from typing import List, Mapping

HEADERS = ("RULE", "SEVERITY", "WHAT IT CHECKS")
NARROWEST = 30
"""Below this many columns for the summary it goes on lines of its own under the rule."""


def summary(what: str) -> str:
    """A rule's What field cut to its first sentence, on one line."""
    return " ".join(what.split(". ")[0].split()).rstrip(".")


def rules_table(rules: Mapping[str, "object"], width: int) -> str:
    """RULE, SEVERITY and the first sentence of What, wrapped to `width`; then how to read more."""
    rows = [(rule.id, rule.severity, summary(rule.sections["What"])) for rule in rules.values()]
    widths = [max(len(row[i]) for row in rows + [HEADERS]) for i in (0, 1)]
    indent = widths[0] + 2 + widths[1] + 2
    beside = width - indent >= NARROWEST
    lines: List[str] = []
    for cells in [HEADERS, *rows]:
        head = f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}"
        if beside:
            text = textwrap.wrap(cells[2], width - indent, break_on_hyphens=False,
                                 break_long_words=False) or [""]
            lines.append(f"{head}  {text[0]}")
            lines += [" " * indent + line for line in text[1:]]
        else:
            lines.append(head.rstrip())
            lines += textwrap.wrap(cells[2], width, initial_indent="    ",
                                   subsequent_indent="    ", break_on_hyphens=False,
                                   break_long_words=False)
    lines += ["", *textwrap.wrap(f"{len(rows)} rules, in the order pyguard doctor reports them; "
                                 "pyguard explain RULE prints one in full.", width)]
    return "\n".join(lines) + "\n"
