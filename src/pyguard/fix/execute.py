"""Carry out a plan: check apt can get everything, keep what each step changes, run it, stop at
the first failure."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..actions.model import APT_ACTIONS, Action, FixBroken, Install
from ..facts.host import read_host
from ..rootfs import RootFS
from . import apt
from .aptstate import fingerprint
from .at_once import each_at_once
from .chroot import Ran, mounted, planned_mounts, run
from .native import run_natively
from .plan import Plan, Step, apt_question, as_run
from .store import Record, Store, StoreError
from .touched import touched_paths

OUTPUT_TAIL = 40  # lines of a step's output kept in the JSON and the undo record

Fetched = Dict[Tuple[str, ...], apt.Downloads]
"""What apt said of each apt-get command whose packages it has downloaded."""


@dataclass(frozen=True)
class Unavailable:
    step: Step
    packages: Tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class StepResult:
    step: Step
    exit_code: int
    seconds: float
    output: str
    kept: int
    """Paths this step made pyguard keep in the undo store."""


@dataclass
class FixRun:
    """What one `pyguard fix` did: its undo record, each step's result, what apt could not get
    (then nothing ran), the mounts it made and whether Ctrl-C stopped it."""

    record: Optional[Record] = None
    results: List[StepResult] = field(default_factory=list)
    unavailable: List[Unavailable] = field(default_factory=list)
    mounts: Tuple[str, ...] = ()
    interrupted: bool = False

    @property
    def failed(self) -> Optional[StepResult]:
        return next((r for r in self.results if r.exit_code != 0), None)


Listener = Callable[[str, Optional[Step], Optional[StepResult]], None]
"""Told "check" while apt's packages are checked and fetched, "start" before a step runs and
"end" after, for progress output."""


def execute(root: str, plan: Plan, command_line: str, listen: Listener,
            allow_upgrade: Optional[bool] = None) -> FixRun:
    """`allow_upgrade`: --allow-upgrade (True), --no-allow-upgrade (False) or neither (None:
    an apt step may upgrade packages only from the system's own release)."""
    outcome = FixRun()
    with mounted(root, planned_mounts(root)) as mounts:
        outcome.mounts = tuple(mounts)
        listen("check", None, None)
        fetched: Fetched = {}
        outcome.unavailable = _unavailable(root, plan.steps, fetched)
        if outcome.unavailable:
            return outcome  # nothing changed: apt's cache and lists only
        store = Store(root)
        outcome.record = record = store.new_record(command_line)
        try:
            for step in plan.steps:
                listen("start", step, None)
                result = _run_step(root, store, record, step, fetched, allow_upgrade)
                outcome.results.append(result)
                record.steps.append(_summary(result))
                store.save(record)
                listen("end", step, result)
                if result.exit_code != 0:
                    break
            record.state = "failed" if outcome.failed else "done"
        except KeyboardInterrupt:
            outcome.interrupted = True
            record.state = "interrupted"
            raise
        finally:
            store.save(record)
    return outcome


def _unavailable(root: str, steps: Sequence[Step], fetched: Fetched) -> List[Unavailable]:
    """Every apt step whose packages apt cannot get now, with apt's reason.

    Packages are downloaded here too, so a missing network stops the fix before it changes
    anything: apt is asked of every step side by side, then downloads one step after another
    (apt's archives lock). A step that refreshes apt's lists first, or that apt cannot judge
    until dpkg's interrupted work is finished by an earlier step (or apt's own repair of a
    broken system, which refuses every other request until it has run), is checked when its
    turn comes.
    """
    asked = []
    for step in steps:
        if _is_apt(step.runs) and not getattr(step.runs, "refresh", False):
            asked.append(step)
        if isinstance(step.runs, FixBroken):
            break
    argvs = [step.runs.words() for step in asked]
    answers = each_at_once(lambda argv: apt.downloads(root, argv), argvs)
    missing = []
    for step, argv, said in zip(asked, argvs, answers):
        reason = _download(root, argv, said, fetched).unavailable
        if reason and "dpkg was interrupted" not in reason:
            missing.append(Unavailable(step, step.runs.packages, reason))
    return missing


def _is_apt(action: Action) -> bool:
    return isinstance(action, APT_ACTIONS)


def _run_step(root: str, store: Store, record: Record, step: Step, fetched: Fetched,
              allow_upgrade: Optional[bool]) -> StepResult:
    outputs: List[str] = []
    seconds = 0.0
    action = step.runs
    if isinstance(action, Install) and action.refresh:
        ran: Ran = run(root, "apt-get update")  # the lists first: the install is judged after
        seconds, outputs = ran.seconds, [ran.output]
        if ran.exit_code != 0:
            return StepResult(step, ran.exit_code, seconds, "".join(outputs), 0)
    try:
        action, paths = _at_risk(root, action, step.forecast, record, fetched, allow_upgrade)
        effects = action.effects()
        whole = bool(effects.moves or effects.creates)  # the step takes them away, or remakes them
        kept = len(store.keep(record, paths, step.number, whole=whole))
    except apt.AptError as exc:
        outputs.append(str(exc) + "\n")
        return StepResult(step, 100, seconds, "".join(outputs), 0)
    except (StoreError, OSError) as exc:  # a path changed while kept: the step must not run
        outputs.append(f"pyguard: nothing done, the undo store could not keep what the step "
                       f"changes: {exc}\n")
        return StepResult(step, 1, seconds, "".join(outputs), 0)
    command = shlex.join(action.words()) if isinstance(action, Install) else action.command()
    ran = run_natively(root, action) or run(root, command)
    seconds += ran.seconds
    outputs.append(ran.output)
    return StepResult(step, ran.exit_code, seconds, "".join(outputs), kept)


def _fetch(root: str, action: Action, fetched: Fetched) -> apt.Downloads:
    """Have apt check and download the action's packages, again only where apt's inputs have
    changed since; what apt said (its reason in `unavailable` if it cannot)."""
    argv = action.words()
    known = fetched.get(argv)
    if known is not None and known.asked_at == fingerprint(RootFS(root)):
        return known
    return _download(root, argv, apt.downloads(root, argv), fetched)


def _download(root: str, argv: Tuple[str, ...], said: apt.Downloads,
              fetched: Fetched) -> apt.Downloads:
    """What apt said once it has the .debs it lists to fetch (remembered in `fetched`), or
    why it cannot get them."""
    if said.unavailable is None:
        try:
            if said.to_fetch:
                apt.download(root, argv)
        except apt.AptError as exc:
            return replace(said, unavailable=str(exc))
        fetched[argv] = said
    return said


def _at_risk(root: str, action: Action, planned: Optional[apt.Forecast], record: Record,
             fetched: Fetched, allow_upgrade: Optional[bool]) -> Tuple[Action, List[str]]:
    """The action as it runs and the paths it loses. An apt step is asked again now where an
    earlier step changed what apt answers from (`planned`: what apt said at plan time):
    pinned where apt would upgrade an installed version it still has, refused where it
    changes packages beyond what is allowed; dpkg's record of what it unpacks over is saved
    in the undo record first."""
    if not _is_apt(action):
        return action, touched_paths(root, action)
    fs = RootFS(root)
    if planned is not None and planned.asked_at == fingerprint(fs):
        forecast = planned
    else:
        host = read_host(fs)
        forecast = apt.forecast(root, apt_question(action), action.packages, host.distro,
                                host.codename)
    refusal = forecast.why_not(allow_upgrade)
    if refusal:
        raise apt.AptError(f"pyguard: {refusal}")
    action = as_run(action, forecast)
    said = _fetch(root, action, fetched)
    if said.unavailable:
        raise apt.AptError(said.unavailable)
    changes = forecast.as_changes()
    record.packages = sorted(set(record.packages) | apt.packages_of(changes))
    for key, before in apt.before_fix(root, changes).items():
        record.dpkg_before.setdefault(key, before)["to"] = before["to"]
    return action, apt.at_risk(root, changes, said.in_place)


def _summary(result: StepResult) -> dict:
    return {"number": result.step.number, "command": result.step.command,
            "exit_code": result.exit_code, "seconds": round(result.seconds, 2),
            "kept": result.kept, "output_tail": tail(result.output)}


def tail(output: str, lines: int = OUTPUT_TAIL) -> str:
    return "\n".join(output.rstrip("\n").splitlines()[-lines:])
