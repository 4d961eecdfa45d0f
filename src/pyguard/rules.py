"""Rule files: one deb822 file per rule in rules/, named after the rule's id.

A rule file holds everything a person reads about the rule (title, explanation, repair) and
names the check that finds it. Title and detail take `{key}` from the finding's evidence; the
repair is a list of typed actions (`$ reinstall packages={reinstall}`, see pyguard.actions),
whose shell commands are rendered from the data, never written by hand.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from .actions.template import ActionTemplate, OwnerOf, TemplateError, parse_line
from .catalogue import ADMIN_RULES, PACKAGE_RULES, SECTIONS, SUFFIX, rule_dirs  # noqa: F401
from .findings import SEVERITIES, EvidenceValue, RepairStep

REQUIRED = ("Rule", "Severity", "Order", "Check", "Title", "Detail", "What", "Why", "Example",
            "Repair", "Repair-Safety", "References")
OPTIONAL = ("Evidence",)


class RuleError(Exception):
    """A rule file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    order: int
    check: str
    """module.function inside pyguard.checks."""
    title: str
    detail: str
    evidence: Tuple[str, ...]
    repair: Tuple[ActionTemplate, ...]
    sections: Mapping[str, str]
    source: str

    def fill_title(self, evidence: Mapping[str, EvidenceValue]) -> str:
        return _fill(self.title, evidence, _prose)

    def fill_detail(self, evidence: Mapping[str, EvidenceValue]) -> str:
        return _fill(self.detail, evidence, _prose)

    def fill_repair(self, evidence: Mapping[str, EvidenceValue], owner_of: OwnerOf
                    ) -> Tuple[RepairStep, ...]:
        """The repair's actions for one finding, each run as whoever controls what it touches."""
        steps = []
        for template in self.repair:
            note = _fill(template.note, evidence, _prose)
            steps += [RepairStep(action, note) for action in template.fill(evidence, owner_of)]
        return tuple(steps)


def load_rules(dirs: Optional[Iterable[str]] = None) -> Dict[str, Rule]:
    """Every rule by id, in the order doctor runs and prints them (parsed once and kept:
    pyguard.catalogue)."""
    from .catalogue import entries

    return {r.id: Rule(r.id, r.severity, r.order, r.check, r.title, r.detail, r.evidence,
                       tuple(ActionTemplate(*t) for t in r.repair), r.sections, r.source)
            for r in entries(None if dirs is None else list(dirs))}


def read_rules(dirs: Iterable[str]) -> Dict[str, Rule]:
    """Every rule by id, parsed from the files, in the order doctor runs and prints them."""
    dirs = list(dirs)
    rules: Dict[str, Rule] = {}
    for directory in dirs:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(SUFFIX))
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as f:
                rule = parse_rule(f.read(), path)
            if rule.id != name[: -len(SUFFIX)]:
                raise RuleError(f"{path}: Rule: {rule.id} does not match the file name")
            rules[rule.id] = rule
    if not rules:
        raise RuleError("no rule files found in " + ", ".join(str(d) for d in dirs))
    return dict(sorted(rules.items(), key=lambda item: (item[1].order, item[0])))


def read_fields(text: str, source: str) -> Dict[str, str]:
    """One deb822 paragraph, as python-debian's Deb822 reads it (a test holds them equal).

    Rule files are pyguard's own, small and many; this keeps python-debian's import and
    parser off every start-up.
    """
    fields: Dict[str, str] = {}
    name = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            if not line.strip() and fields:
                if any(rest.strip() for rest in text.split("\n")[number:]):
                    raise RuleError(f"{source}:{number}: a rule file holds one paragraph")
                break
            continue
        if line[0] in " \t":
            if name is None:
                raise RuleError(f"{source}:{number}: continuation line before any field")
            fields[name] += "\n" + line
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise RuleError(f"{source}:{number}: not a 'Field: value' line")
        name = name.strip()
        if name in fields:
            raise RuleError(f"{source}:{number}: field {name} given twice")
        fields[name] = value.strip()
    return fields


def parse_rule(text: str, source: str) -> Rule:
    fields = read_fields(text, source)
    missing = [name for name in REQUIRED if not fields.get(name, "").strip()]
    if missing:
        raise RuleError(f"{source}: missing field(s): {', '.join(missing)}")
    unknown = [name for name in fields if name not in REQUIRED + OPTIONAL]
    if unknown:
        raise RuleError(f"{source}: unknown field(s): {', '.join(unknown)}")
    severity = fields["Severity"].strip()
    if severity not in SEVERITIES:
        raise RuleError(f"{source}: Severity must be one of {', '.join(SEVERITIES)}")
    if not fields["Order"].strip().isdigit():
        raise RuleError(f"{source}: Order must be a number")
    evidence = tuple(k for k in fields.get("Evidence", "").replace(",", " ").split() if k)
    sections = {name: _unfold(fields[name]) for name, _ in SECTIONS}
    try:
        repair = tuple(parse_line(line[2:], source) for line in _unfold(fields["Repair"]).split("\n")
                       if line.strip() and line.startswith("$ "))
    except TemplateError as exc:
        raise RuleError(str(exc)) from None
    if not repair:
        raise RuleError(f"{source}: Repair has no action line (lines starting with '$ ')")
    rule = Rule(
        id=fields["Rule"].strip(),
        severity=severity,
        order=int(fields["Order"]),
        check=fields["Check"].strip(),
        title=fields["Title"].strip(),
        detail=_reflow(_unfold(fields["Detail"])),
        evidence=evidence,
        repair=repair,
        sections=sections,
        source=source,
    )
    used = set(_keys(rule.title)) | set(_keys(rule.detail))
    for template in repair:
        used |= set(template.keys())
    undeclared = sorted(used - set(evidence))
    if undeclared:
        raise RuleError(f"{source}: templates use undeclared evidence: {', '.join(undeclared)}")
    return rule


def _unfold(value: str) -> str:
    """deb822 multi-line value to text: one leading space off, ' .' lines are blank lines."""
    lines = value.split("\n")
    out = [lines[0].strip()] if lines[0].strip() else []
    for line in lines[1:]:
        line = line[1:] if line.startswith(" ") else line
        out.append("" if line == "." else line)
    return "\n".join(out).strip("\n")


def _reflow(text: str) -> str:
    """Prose as paragraphs, each one line: renderers wrap it to the width they have."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def _keys(template: str) -> List[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _prose(value: EvidenceValue, spec: str) -> str:
    """A value in a sentence: a line break in it (a file name may hold one) never starts a
    line or paragraph of the rule's prose."""
    values = (value,) if isinstance(value, str) else value
    return ", ".join(_display(v, spec).replace("\r", "\\r").replace("\n", "\\n") for v in values)


def _display(value: str, spec: str) -> str:
    if spec == "relative":
        return value.lstrip("/")
    return value


class _Formatter(string.Formatter):
    def __init__(self, render) -> None:
        self.render = render

    def format_field(self, value, format_spec):  # type: ignore[override]
        return self.render(value, format_spec)


def _fill(template: str, evidence: Mapping[str, EvidenceValue], render) -> str:
    return _Formatter(render).vformat(template, (), {k: evidence.get(k.rstrip("?"), "")
                                                     for k in _keys(template)})
