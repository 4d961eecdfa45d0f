"""What apt will do for each apt step of a plan, asked before anything runs (--dry-run too).

A rule says "reinstall libpython3.11-stdlib"; on a host behind its archive apt makes that an
upgrade of five packages. The plan shows what apt will really do, from apt's own simulation
inside the examined system (fix.apt.forecast), and pins a reinstall to the installed version
where a source still has it. Where apt cannot be asked now, the step says why, and fix asks
again just before the step runs. The steps are asked side by side (fix.at_once).
"""

from __future__ import annotations

import os
from dataclasses import replace

from ..actions.model import APT_ACTIONS, ConfigurePending, FixBroken, Install
from ..facts.host import read_host
from ..rootfs import RootFS
from . import apt
from .at_once import each_at_once
from .plan import Plan, Step, apt_question

APT_GET = "/usr/bin/apt-get"


def foresee(root: str, plan: Plan) -> Plan:
    """The plan with each apt step's Forecast, or why apt could not say (Step.unforeseen,
    shown after "apt: ")."""
    fs = RootFS(root)
    why_not = cannot_ask(root, fs)
    host = read_host(fs)
    later = ""
    steps = []
    to_ask = []
    for step in plan.steps:
        action = step.action
        if not isinstance(action, APT_ACTIONS):
            if isinstance(action, ConfigurePending) and not later:
                later = f"asked once step {step.number} has finished dpkg's work"
            steps.append(step)
        elif why_not or later:
            steps.append(replace(step, unforeseen=why_not or later))
        elif isinstance(action, Install) and action.refresh:
            steps.append(replace(step, unforeseen="asked once the step has refreshed its lists"))
        else:
            to_ask.append(len(steps))
            steps.append(step)
            if isinstance(action, FixBroken):  # apt's answers after it depend on what it does
                later = f"asked once step {step.number} has finished dpkg's work"

    def ask(step: Step) -> Step:
        action = step.action
        try:
            return replace(step, forecast=apt.forecast(root, apt_question(action), action.packages,
                                                       host.distro, host.codename))
        except apt.AptError as exc:
            return replace(step, unforeseen=_gist(str(exc)))

    for index, asked in zip(to_ask, each_at_once(ask, [steps[i] for i in to_ask])):
        steps[index] = asked
    return replace(plan, steps=tuple(steps))


def _gist(said: str) -> str:
    """apt's error, or else its last line (the rest is "Reading package lists...")."""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E:") or "cannot be downloaded" in line]
    return "; ".join(errors) if errors else (lines[-1] if lines else "nothing (it failed)")


def cannot_ask(root: str, fs: RootFS) -> str:
    """Why apt cannot be asked inside the root by this process ('' when it can)."""
    if not fs.is_file(APT_GET):
        return f"not asked: the examined system has no {APT_GET}"
    if os.geteuid() != 0 and os.path.realpath(root) != "/":
        return "not asked: apt runs inside the root (chroot), as root only"
    return ""
