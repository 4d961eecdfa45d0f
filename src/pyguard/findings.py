"""What checks report and what the engine makes of it: the model renderers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple, Union

if TYPE_CHECKING:
    from .actions.model import Action
    from .rootfs import Note

EvidenceValue = Union[str, Tuple[str, ...]]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Hit:
    """A check's report: this subject breaks the rule, and here is the evidence.

    The check does not name its rule: the rule file names the check, so a rule's identity,
    severity and prose stay in that one file.
    """

    subject: str
    """What is broken, short and stable across runs (a path, a package, a project name)."""
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)
    """Values the rule's title, detail and repair templates are filled from."""
    paths: Tuple[str, ...] = ()
    """Paths inside the root that show the problem."""


@dataclass(frozen=True)
class RepairStep:
    action: "Action"
    """What the step does; its shell command is how a person reads it."""
    note: str = ""

    @property
    def command(self) -> str:
        """The step as one shell command, run as root inside the examined system."""
        return self.action.command()


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    title: str
    detail: str
    subject: str
    paths: Tuple[str, ...]
    repair: Tuple[RepairStep, ...]
    evidence: Mapping[str, EvidenceValue]


@dataclass(frozen=True)
class Host:
    """The examined system as reports name it: its os-release and Debian's default Python."""

    distro: str
    """os-release ID: debian, ubuntu, ... (empty when the root has no os-release)."""
    version: str
    codename: str
    default_python: str
    """The python3.X python3-defaults makes the default, as "3.11"; empty when none is."""


@dataclass(frozen=True)
class Problem:
    """pyguard could not do part of its job (as opposed to a finding about the system)."""

    code: str
    message: str


@dataclass(frozen=True)
class Report:
    """Every rule's findings over one root, and what kept pyguard from its whole job."""

    root: str
    findings: Tuple[Finding, ...]
    errors: Tuple[Problem, ...]
    notes: Tuple["Note", ...]

    @property
    def status(self) -> str:
        return status_of(f.severity for f in self.findings)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 3
        return {"error": 2, "warning": 1, "ok": 0}[self.status]


@dataclass(frozen=True)
class Examination:
    """One run of the rules over a root, or why it could not run."""

    root: str
    """The examined root as given, made absolute (os.path.realpath)."""
    report: Optional[Report]
    host: Optional[Host]
    """The examined system, or None when it could not be examined."""
    rules: Mapping[str, Any]
    """Every rule loaded (id -> Rule), also those --only left out."""
    problem: Optional[Problem]
    started: float
    """time.time() when the run started."""
    duration: float
    """Seconds the examination took."""

    @property
    def default_python(self) -> str:
        return self.host.default_python if self.host else ""

    @property
    def exit_code(self) -> int:
        if self.problem is not None or self.report is None:
            return 3
        return self.report.exit_code


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def status_of(severities) -> str:
    """error if any finding is an error, warning if any is a warning, else ok."""
    present = set(severities)
    return next((level for level in ("error", "warning") if level in present), "ok")
