"""The checks behind `pyguard hooks pre-invoke` and `pyguard hooks post-invoke`.

Before dpkg runs, only what makes the maintainer scripts of Python packages fail matters: a
/usr/bin/python3 that does not run Debian's default interpreter (dangling, pointed elsewhere,
or the default python3.X gone), and python3-apt's compiled modules not loading with it. After
dpkg, also what the run itself may have left: Python packages dpkg did not finish, and a PEP 668
marker gone. These are doctor's own rules, run over facts whose dpkg ownership index holds only
the file lists of the interpreter packages and python3-apt: a dozen files instead of every
package's, and no on-disk cache, so the check is fast whether or not dpkg just changed.
"""

from __future__ import annotations

import datetime
import re
import textwrap
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from ..facts import Facts
from ..facts.dpkg import DpkgDatabase
from ..findings import Finding
from ..render.escape import printable

PRE_RULES = ("python3-link", "python3-alternatives", "extension-abi")
"""What makes maintainer scripts (py3compile, py3clean, python3 itself) fail in this run."""
POST_RULES = PRE_RULES + ("python-dpkg-interrupted", "pep668-marker")
"""What a dpkg run can leave broken, besides the above."""

LISTED = re.compile(r"(?:lib)?python3(?:\.\d+)?(?:-minimal|-stdlib)?|python3-apt")
"""Packages whose file lists the hooks read: the interpreters, their stdlibs, python3-apt."""

UNSCANNED = ("/usr/share/python3/runtime.d/",)
"""Paths whose owners no hook rule reads: gather_dpkg_progress asks for the rtupdate hooks'
owners for stale-rtupdate-hook, which the hooks do not run; scanning every file list for them
would double post-invoke's time."""

WIDTH = 96
CONFIG_HINT = "[hooks] apt = no in /etc/pyguard/pyguard.conf"


class HookDpkg(DpkgDatabase):
    """The dpkg database with an ownership index of the interpreter packages and python3-apt.

    A path those packages do not list is looked up in every installed package's file list:
    rare, since on a healthy system every path the hook rules ask about belongs to an
    interpreter package.
    """

    def _indexed_info_names(self) -> Iterator[Tuple[str, str]]:
        return ((name, info) for name, info in self._installed_info_names()
                if LISTED.fullmatch(name))

    def _cached_index(self, name: str, needles: Tuple[str, ...]) -> Mapping[str, object]:
        return self._build_index(needles)[0]  # a dozen lists: reading them beats any cache

    def owners(self, path: str) -> Tuple[str, ...]:
        found = super().owners(path)
        if found or path.startswith(UNSCANNED):
            return found
        return self.lists_naming([path])[path]

    def owned(self, path: str) -> bool:
        return bool(self.owners(path))


class HookFacts(Facts):
    @cached_property
    def dpkg(self) -> DpkgDatabase:  # type: ignore[override]
        return HookDpkg(self.fs)


@dataclass(frozen=True)
class AptCheck:
    """What one apt hook's check found: the findings to speak of, and what it could not check."""

    root: str
    findings: Tuple[Finding, ...]
    problems: Tuple[str, ...]


def check(root: str, rule_ids: Tuple[str, ...], acks=None,
          today: Optional[datetime.date] = None) -> AptCheck:
    """Run `rule_ids` over `root`; findings an [ack] of pyguard.conf holds today are left out,
    and so is a python3-alternatives group that still runs the default interpreter."""
    from ..engine import run
    from ..rootfs import RootFS
    from ..rules import load_rules

    rules = load_rules()
    selected = {rule_id: rules[rule_id] for rule_id in rules if rule_id in rule_ids}
    facts = HookFacts(RootFS(root))
    if not facts.dpkg.present:
        return AptCheck(root, (), (f"{root} has no /var/lib/dpkg/status",))
    report = run(facts, selected)
    today = today or datetime.date.today()
    default = f"/usr/bin/python{facts.defaults.default}"
    kept = []
    for finding in report.findings:
        if finding.rule == "python3-alternatives" and finding.evidence.get("target") == default:
            continue  # the group exists, but python3 still runs Debian's default: scripts work
        ack = acks.ack_for(finding.rule, finding.subject) if acks is not None else None
        if ack is not None and ack.holds(today):
            continue
        kept.append(finding)
    return AptCheck(root, tuple(kept), tuple(p.message for p in report.errors))


# -- what apt shows -----------------------------------------------------------------------------


def render_pre(outcome: AptCheck, as_root: bool) -> str:
    """A few lines on stderr before dpkg runs: what is wrong, what fails, the exact repair."""
    lines = _problems(outcome)
    if not outcome.findings:
        return "".join(line + "\n" for line in lines)
    lines.append("pyguard: Debian's system Python is broken: the maintainer scripts of Python "
                 "packages will fail.")
    repairs: Dict[str, None] = {}
    for finding in outcome.findings:
        lines.append(f"  {printable(finding.title)}  [{finding.rule}]")
        lines += _wrapped(printable(_first_sentence(finding.detail)), "    ")
        repairs.update((_command(step.command, outcome.root, as_root), None)
                       for step in finding.repair)
    lines.append("  Repair, as root, then run apt again:")
    lines += [f"    {command}" for command in repairs]
    lines.append(f"  Or all at once, every changed file kept for pyguard undo: "
                 f"{_pyguard('fix', outcome.root)}")
    lines.append(f"  More: {_pyguard('doctor', outcome.root)}. To silence this check: {CONFIG_HINT}.")
    return "".join(line + "\n" for line in lines)


def render_post(outcome: AptCheck) -> str:
    """After dpkg: one line per problem and the next step, or nothing on a healthy system."""
    lines = _problems(outcome)
    if outcome.findings:
        lines.append("pyguard: after this apt run, Debian's system Python is broken:")
        lines += [f"  {f.severity.upper()} {printable(f.title)}  [{f.rule}]"
                  for f in outcome.findings]
        lines.append(f"Next: {_pyguard('doctor', outcome.root)} (why, and the exact repair commands)")
    return "".join(line + "\n" for line in lines)


def _problems(outcome: AptCheck) -> List[str]:
    return [f"pyguard: apt hook could not check everything: {printable(p)}"
            for p in outcome.problems]


def _first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    end = first.find(". ")
    return first if end < 0 else first[: end + 1]


def _wrapped(text: str, indent: str) -> List[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


def _command(command: str, root: str, as_root: bool) -> str:
    from ..render.text import Context, repair_command

    return repair_command(command, Context(root=root, as_root=as_root))


def _pyguard(command: str, root: str) -> str:
    import shlex

    return f"pyguard {command}" + ("" if root == "/" else f" --root {printable(shlex.quote(root))}")
