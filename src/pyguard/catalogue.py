"""The rule files as plain data, parsed once and kept until a file or pyguard's parser changes.

Every command reads the rules: doctor and the apt hooks to run them, `pyguard rules` and
`pyguard explain` to print them. Parsing the forty files and rendering each repair's example
takes only a few milliseconds, but importing the parser (the rule model, the typed actions and
dataclasses) takes three times as long: `rules` and `explain` print from these tuples and import
none of it. The tuples are kept in pyguard's cache (pyguard.cache: written atomically, used only
when ours alone), keyed on each rule file's status and the parser's own modules; a file changed
less than a second ago is read again next time too (pyguard.journal.RACY_NS). Only the rule
directories pyguard finds by itself are kept; $PYGUARD_RULES's (tests') are parsed every time.
"""

from __future__ import annotations

import os
import time
TYPE_CHECKING = False
if TYPE_CHECKING:  # typing's import is a tenth of a kept hook run; annotations are strings
    from typing import Dict, List, Optional, Sequence, Tuple

CACHE_NAME = "rules"
FORMAT = 1
SUFFIX = ".rule"
PACKAGE_RULES = "/usr/share/pyguard/rules"
ADMIN_RULES = "/etc/pyguard/rules.d"
PARSER = ("rules.py", "findings.py", "actions/template.py", "actions/model.py",
          "actions/effects.py", "catalogue.py")
"""pyguard's modules that decide what a rule file parses to (and how its examples read)."""

BREAKS_AT_UPGRADE = ("upgrade-venv", "upgrade-pipx-app", "upgrade-site", "upgrade-dropped-package",
                     "upgrade-extension")
"""The rules that say what moving to the next release's python3 breaks: upgrade-check and the
apt hook before the upgrade run them."""

SECTIONS = (("What", "What it checks"), ("Why", "Why it matters on Debian"),
            ("Example", "Example"), ("Repair", "Repair"), ("Repair-Safety", "Repair safety"),
            ("References", "References"))
"""The prose fields of a rule file, as `explain` heads them."""
FIELDS = ("id", "severity", "order", "check", "title", "detail", "evidence", "repair",
          "sections", "source", "examples")


class RuleText:
    """A rule as its file says it, in plain data (no dataclass: `rules` and `explain` print
    these without importing the rule model).

    repair: ((kind, ((field, value), ...), note), ...), the rule's action templates;
    examples: each repair line as `explain` shows it ("$ command  # note", <key> for the
    finding's values)."""

    __slots__ = FIELDS

    def __init__(self, values: Tuple) -> None:
        for name, value in zip(FIELDS, values):
            setattr(self, name, value)

    def values(self) -> Tuple:
        return tuple(getattr(self, name) for name in FIELDS)


def rule_dirs() -> List[str]:
    """Where rule files live: $PYGUARD_RULES, else a checkout's rules/ or an installed copy.

    The Debian package keeps its rules in /usr/share/pyguard/rules; there, an admin's rules in
    /etc/pyguard/rules.d are read too (a file with the same name replaces the packaged rule).
    """
    override = os.environ.get("PYGUARD_RULES")
    if override:
        return [p for p in override.split(os.pathsep) if p]
    here = os.path.dirname(os.path.realpath(__file__))
    candidates = [os.path.join(os.path.dirname(os.path.dirname(here)), "rules"),
                  os.path.join(here, "rules"), PACKAGE_RULES]
    found = next((c for c in candidates if os.path.isdir(c)), PACKAGE_RULES)
    # The Debian package's rules, then the admin's own (data only: they name existing checks).
    return [found, ADMIN_RULES] if found == PACKAGE_RULES else [found]


def rules_stamp() -> Tuple:
    """The rule directories' files (the release table beside the rules too), as kept runs are
    keyed on them (pyguard.memo)."""
    from .memo import tree_stamp

    return tree_stamp(rule_dirs())


def rule_files(dirs: Sequence[str]) -> List[Tuple[str, str, Tuple[int, ...]]]:
    """(directory, file name, status) of every rule file, directories in order, names sorted."""
    out = []
    for directory in dirs:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(SUFFIX))
        except OSError:
            continue
        for name in names:
            try:
                st = os.stat(os.path.join(directory, name))
            except OSError:
                continue
            out.append((directory, name, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                                          st.st_dev)))
    return out


def _parser_stamp() -> Tuple:
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    for name in PARSER:
        try:
            st = os.stat(os.path.join(here, name))
            out.append((name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        except OSError:
            out.append((name, None))
    return tuple(out)


def entries(dirs: Optional[Sequence[str]] = None) -> List[RuleText]:
    """Every rule, in the order doctor runs and prints them; raises RuleError as
    pyguard.rules.read_rules does (a broken file is never kept)."""
    from . import cache

    keep = dirs is None and not os.environ.get("PYGUARD_RULES")  # not tests' rule directories
    if dirs is None:
        dirs = rule_dirs()
    dirs = list(dirs)
    if not keep:
        return _parse(dirs)
    files = rule_files(dirs)
    from . import __version__

    key = (FORMAT, __version__, tuple(dirs), tuple(files), _parser_stamp())
    where = "\0".join(dirs)
    with cache.no_gc():
        kept = cache.load(CACHE_NAME, where, key)
    if _valid(kept):
        return [RuleText(values) for values in kept]  # type: ignore[union-attr]
    made = _parse(dirs)
    from .journal import RACY_NS

    limit = time.time_ns() - RACY_NS
    if all(st[1] < limit and st[2] < limit for _, _, st in files):
        cache.store(CACHE_NAME, where, key, tuple(rule.values() for rule in made))
    return made


def _valid(kept: object) -> bool:
    if kept.__class__ is not tuple or not kept:
        return False
    for entry in kept:  # type: ignore[attr-defined]
        if entry.__class__ is not tuple or len(entry) != len(FIELDS) or \
                entry[FIELDS.index("sections")].__class__ is not dict:
            return False
    return True


def _parse(dirs: Sequence[str]) -> List[RuleText]:
    from .rules import read_rules

    return [text_of(rule) for rule in read_rules(dirs).values()]


def text_of(rule) -> RuleText:
    """A pyguard.rules.Rule as plain data."""
    return RuleText((rule.id, rule.severity, rule.order, rule.check, rule.title, rule.detail,
                     tuple(rule.evidence), tuple((t.kind, tuple(t.fields), t.note)
                                                 for t in rule.repair),
                     dict(rule.sections), rule.source, tuple(_example(t) for t in rule.repair)))


def _example(template) -> str:
    note = template.note
    for key in template.keys():
        note = note.replace("{" + key + "}", f"<{key}>")
    return f"$ {template.example()}" + (f"  # {note}" if note else "")


def by_id(found: List[RuleText]) -> Dict[str, RuleText]:
    return {rule.id: rule for rule in found}
