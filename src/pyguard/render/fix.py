"""pyguard fix for a person (the plan, each step as it runs, what is left) and as JSON.

For a person, every value from the examined system (titles, commands, notes, paths, a step's
output, apt's reasons) is made printable (render/escape.py) where it is put in a line: a name
cannot retitle the terminal or hide a line of the plan root confirms. JSON keeps exact values.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..actions.effects import BUILDS_FROM_INDEX, CHANGES_PACKAGES
from ..actions.model import as_json
from ..fix.execute import FixRun, StepResult, tail
from ..fix.plan import Plan, Step
from ..fix.processes import Restart
from ..fix.store import STORE
from .escape import printable
from .text import Style, plain

OUTPUT_LINES = 15  # of a failed step, on the terminal


def plan_text(plan: Plan, where: str, style: Style = plain,
              allow_upgrade: Optional[bool] = None) -> str:
    p = printable
    where = p(where)
    steps = len(plan.steps)
    lines = [style(f"pyguard fix: {_n(len(plan.findings), 'finding')}, {_n(steps, 'step')} "
                   f"on {where}", "heading")]
    for finding in plan.findings:
        label = style(finding.severity.upper(), finding.severity)
        lines += ["", f"{label} {style(p(finding.title), 'title')}  [{finding.rule}]"]
        for step in plan.steps_of(finding):
            risk = style(step.risk, "ok" if step.risk == "safe" else "warning")
            lines.append(f"  {step.number}. [{risk}] {style(p(step.command), 'command')}")
            if step.note:
                lines.append(f"     {style('# ' + p(step.note), 'note')}")
            if step.user != "root":
                lines.append(f"     runs as {p(step.user)}, who controls what it touches")
            for words, paths in step.what_changes:
                lines.append(f"     {words}: {', '.join(map(p, paths))}")
            lines += [f"     {p(line)}" for line in apt_lines(step)]
            why_not = step.forecast.why_not(allow_upgrade) if step.forecast else ""
            if why_not:
                lines.append(f"     {style(p(why_not), 'warning')}")
    changes = any(s.risk == CHANGES_PACKAGES for s in plan.steps)
    fetches = any(s.risk == BUILDS_FROM_INDEX for s in plan.steps)
    lines += ["", f"safe: reinstalls from the archive and touches nothing local; moves files: "
                  f"what it names goes aside."
                  + (" changes packages: apt upgrades, downgrades or removes packages, as the "
                     "step says; undo puts local files back, never older versions." if changes
                     else "")
                  + (" installs from the index: pip (or pipx, uv) fetches the projects named "
                     "from the index it is configured with and runs their builds, as the user it "
                     "runs as."
                     if fetches else "") +
                  f" Every file a step removes or overwrites is copied "
                  f"first to {STORE}/ID; pyguard undo puts it back. A step on files a user "
                  f"controls runs as that user."]
    return "\n".join(lines) + "\n"


def apt_lines(step: Step) -> List[str]:
    """What apt will do in an apt step, as its simulation said (or why it could not)."""
    if step.forecast is None:
        return [f"apt: {step.unforeseen}"] if step.unforeseen else []
    from .packages import forecast_lines

    return forecast_lines(step.forecast)


def nothing_to_fix(findings, where: str) -> str:
    """No warning or error; advice, if any, is followed only when asked for by name."""
    advised = sorted({f.rule for f in findings if f.repair})
    where = printable(where)
    if not advised:
        return f"pyguard fix: nothing to fix on {where}.\n"
    return (f"pyguard fix: nothing to fix on {where}; advice only, which fix follows when its "
            f"rule is named: pyguard fix --only {' --only '.join(advised)}\n")


def step_start(step: Step, total: int) -> str:
    return f"[{step.number}/{total}] {printable(step.command)}"


def step_end(result: StepResult, style: Style = plain) -> str:
    kept = f", kept {_n(result.kept, 'file')}" if result.kept else ""
    if result.exit_code == 0:
        return f"  {style('ok', 'ok')} ({result.seconds:.1f} s{kept})\n"
    out = [f"  {style(f'failed with exit code {result.exit_code}', 'error')} "
           f"({result.seconds:.1f} s{kept}); its output:"]
    out += ["    " + printable(line) for line in tail(result.output, OUTPUT_LINES).splitlines()]
    return "\n".join(out) + "\n"


def outcome_text(plan: Plan, outcome: FixRun, root_option: str, style: Style = plain,
                 restart: Sequence[Restart] = ()) -> str:
    """What fix did; `restart`: the processes still running files it replaced (on `/`)."""
    lines: List[str] = []
    if outcome.unavailable:
        lines.append(style("Nothing was changed: apt cannot get every package the fix needs.",
                           "error"))
        for missing in outcome.unavailable:
            lines.append(f"  step {missing.step.number} ({printable(' '.join(missing.packages))}):")
            lines += ["    " + printable(line) for line in missing.reason.splitlines()]
        lines.append("  Check /etc/apt/sources.list and the network, run apt-get update, "
                     "then pyguard fix again.")
        return "\n".join(lines) + "\n"
    done = [r.step.number for r in outcome.results if r.exit_code == 0]
    left = [s.number for s in plan.steps if s.number not in done]
    if outcome.failed:
        lines.append(style(f"Step {outcome.failed.step.number} failed; the steps after it did "
                           "not run.", "error"))
    lines.append(f"Done: {_list(done)}. Left: {_list(left)}.")
    record = outcome.record
    if record is not None:
        kept = len(record.entries)
        lines.append(f"Undo record {record.id}: {_n(kept, 'path')} kept in {STORE}/{record.id}; "
                     f"`pyguard undo{root_option} {record.id}` puts them back.")
        if record.packages:
            lines.append("Packages unpacked from the archive (undo does not downgrade them): "
                         + printable(", ".join(record.packages)))
    if restart:
        lines.append(style("These processes still run the old files:", "warning"))
        lines += [f"  {r.pid} {printable(r.name)} ({printable(', '.join(r.paths))})"
                  for r in restart]
        lines.append("Restart them to run the repaired ones.")
    return "\n".join(lines) + "\n"


def envelope(plan: Plan, outcome: Optional[FixRun], final: Dict[str, Any],
             dry_run: bool, allow_upgrade: Optional[bool] = None,
             restart: Sequence[Restart] = ()) -> Dict[str, Any]:
    """The doctor envelope of the final state, with the plan, what each step did and the
    processes still running files it replaced."""
    data = dict(final)
    if "findings" in data:
        data["findings"] = _with_apt_risk(data["findings"], plan)
    data["fix"] = {
        "dry_run": dry_run,
        "plan": [_step_json(step, allow_upgrade) for step in plan.steps],
        "unavailable": [{"step": u.step.number, "packages": list(u.packages), "reason": u.reason}
                        for u in (outcome.unavailable if outcome else [])],
        "steps": [{"number": r.step.number, "command": r.step.command, "risk": r.step.risk,
                   "exit_code": r.exit_code, "seconds": round(r.seconds, 2), "kept": r.kept,
                   "output_tail": tail(r.output)} for r in (outcome.results if outcome else [])],
        "undo": _undo_json(outcome),
        "mounted": list(outcome.mounts) if outcome else [],
        "restart": [{"pid": r.pid, "name": r.name, "paths": list(r.paths)} for r in restart],
    }
    return data


def _step_json(step: Step, allow_upgrade: Optional[bool]) -> Dict[str, Any]:
    out = {"number": step.number, "rule": step.finding.rule, "subject": step.finding.subject,
           "command": step.command, "note": step.note, "risk": step.risk, "user": step.user,
           "action": as_json(step.runs), "moves": list(step.moves),
           "packages": list(step.packages)}
    if step.packages:
        out["apt"] = _apt_json(step, allow_upgrade)
    return out


def _apt_json(step: Step, allow_upgrade: Optional[bool]) -> Dict[str, Any]:
    """What apt said it will do: each package's change with versions and sources; or why it
    could not say (`unforeseen`)."""
    forecast = step.forecast
    if forecast is None:
        return {"foreseen": False, "unforeseen": step.unforeseen}
    return {"foreseen": True, "allowed": forecast.allowed(allow_upgrade),
            "why_not": forecast.why_not(allow_upgrade),
            "changes": [{"package": c.name, "arch": c.arch, "change": c.change,
                         "installed": c.installed, "version": c.version, "named": c.named,
                         "installed_gone": c.gone, "pinned_over": c.instead_of,
                         "from": [r.name for r in c.releases]} for c in forecast.changes]}


def _with_apt_risk(findings: List[Dict[str, Any]], plan: Plan) -> List[Dict[str, Any]]:
    """Doctor's findings, each repair's risk as apt's simulation showed it where a step of
    the plan runs that repair: `changes packages` is known only once apt was asked."""
    changing = {s.action.command() for s in plan.steps if s.risk == CHANGES_PACKAGES}
    if not changing:
        return findings
    return [{**f, "repair": [{**r, "risk": CHANGES_PACKAGES} if r.get("command") in changing
                             else r for r in f["repair"]]} if "repair" in f else f
            for f in findings]


def _undo_json(outcome: Optional[FixRun]) -> Optional[Dict[str, Any]]:
    if outcome is None or outcome.record is None:
        return None
    record = outcome.record
    return {"id": record.id, "path": f"{STORE}/{record.id}", "kept": len(record.entries),
            "packages": list(record.packages), "state": record.state}


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _list(numbers: List[int]) -> str:
    if not numbers:
        return "none"
    return "step" + ("s " if len(numbers) > 1 else " ") + ", ".join(map(str, numbers))
