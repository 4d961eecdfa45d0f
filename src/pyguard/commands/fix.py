"""pyguard fix: run the repairs of the current findings, keeping everything they change."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from ..options import root_option

EXIT_INTERRUPTED = 130


def add_fix(commands) -> None:
    parser = commands.add_parser(
        "fix", help="run the repairs of the current findings (undo puts back what they changed)",
        description="Show the repair plan of the current warnings and errors, then run it: each "
                    "file a step removes or overwrites is copied first into "
                    "/var/lib/pyguard/undo/ID inside the examined system.")
    root_option(parser)
    parser.add_argument("--only", action="append", metavar="RULE",
                        help="fix only this rule's findings, pieces of advice included "
                             "(may be repeated)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="run without asking (needed when not on a terminal)")
    parser.add_argument("--allow-upgrade", action=argparse.BooleanOptionalAction, default=None,
                        help="let an apt step upgrade or remove packages, as apt's simulation "
                             "shows it would where the installed version is gone from the "
                             "archive (default: only upgrades from the system's own release, "
                             "its security and stable updates)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run_fix)


def run_fix(args: argparse.Namespace) -> int:
    from ..examine import examine
    from ..fix.plan import make_plan
    from ..render import fix as render
    from ..render.json import dumps, examination_envelope
    from ..render.terminal import marked, use_color, write
    from ..render.text import describe_host, plain

    json_out = args.format == "json"
    color = not json_out and use_color(sys.stdout)
    style = marked if color else plain
    from ..render.progress import slow_work

    with slow_work("pyguard: examining the system"):
        before = examine(args.root, args.only, command="fix")
    if before.problem is not None:
        return _fail(examination_envelope(before) if json_out else None, before.problem.message)
    if before.report is not None and before.report.errors:  # repairs of a partial view: none
        failed = "; ".join(f"{e.code}: {e.message}" for e in before.report.errors)
        return _fail(examination_envelope(before) if json_out else None,
                     f"the examination could not finish ({failed}), so nothing is planned; "
                     "pyguard doctor shows what it found")
    from .doctor import counted_report

    # What an [ack] line holds for is the admin's decision: fix leaves it, as doctor does.
    counted = counted_report(before)
    plan = make_plan(counted.findings, advice_too=bool(args.only))
    allow = args.allow_upgrade
    if plan.steps:
        from ..fix.foresee import foresee

        with slow_work("pyguard: asking apt what each step will do"):
            plan = foresee(before.root, plan)
    where = f"{before.root} ({describe_host(before.host)})"
    if not json_out:
        write(render.plan_text(plan, where, style, allow) if plan.steps else
              render.nothing_to_fix(counted.findings, where), sys.stdout, color)
    if not plan.steps or args.dry_run:
        if json_out:
            found = examination_envelope(before)
            sys.stdout.write(dumps(render.envelope(plan, None, found, args.dry_run, allow)))
        return counted.exit_code
    planned = (render.envelope(plan, None, examination_envelope(before), False, allow)
               if json_out else None)
    held = [s.number for s in plan.steps if s.forecast and not s.forecast.allowed(allow)]
    if held:
        steps = "step " + ", ".join(map(str, held)) if len(held) == 1 else \
            "steps " + ", ".join(map(str, held))
        return _fail(planned, f"{steps} would change packages, which "
                              + ("--no-allow-upgrade forbids" if allow is False else
                                 "needs --allow-upgrade (see the plan)")
                              + "; nothing changed")
    if os.geteuid() != 0:
        return _fail(planned, "pyguard fix changes the system: run it as root (--dry-run shows "
                              "the plan as any user)")
    from ..fix.processes import lock_holders, lock_message, to_restart

    holders = lock_holders(before.root)
    if holders:
        return _fail(planned, lock_message(holders, before.root))
    blocked = apt_blocked(before.root, plan)
    if blocked:
        return _fail(planned, blocked)
    if not args.yes and not _confirmed(len(plan.steps)):
        return _fail(planned, None)

    root_option_text = "" if before.root == "/" else f" --root {before.root}"
    outcome = None
    try:
        outcome = _execute(before.root, plan, args, color, style)
    except KeyboardInterrupt:
        sys.stderr.write("\n" + interrupted_text(before.root, os.geteuid() == 0))
        return EXIT_INTERRUPTED
    except Exception as exc:  # a mount or the undo store failed: say so, no traceback
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        return _fail(None, f"{type(exc).__name__}: {exc}")

    restart = to_restart(before.root, plan, outcome)
    with slow_work("pyguard: examining the system again"):
        after = examine(args.root, None, command="fix")
    if json_out:
        sys.stdout.write(dumps(render.envelope(plan, outcome, examination_envelope(after), False,
                                               args.allow_upgrade, restart)))
        return after.exit_code
    write("\n" + render.outcome_text(plan, outcome, root_option_text, style, restart), sys.stdout,
          color)
    if after.problem is None:
        from .doctor import print_report
        sys.stdout.write("\nAfterwards:\n")
        print_report(after)
    return after.exit_code


def apt_blocked(root: str, plan) -> Optional[str]:
    """Why apt would refuse the plan's first apt step, or None: a killed dpkg left records in
    its journal, and no step before writes them into the status file ("dpkg was interrupted,
    you must manually run 'dpkg --configure -a'")."""
    from ..actions.model import APT_ACTIONS, ConfigurePending
    from ..facts.dpkg import DPKG_DIR
    from ..dpkg_journal import JOURNAL, journal_names
    from ..rootfs import RootFS

    for step in plan.steps:
        if isinstance(step.action, ConfigurePending):
            return None  # any dpkg run writes the journal down
        if isinstance(step.action, APT_ACTIONS):
            break
    else:
        return None
    with RootFS(root) as fs:
        records = journal_names(fs, DPKG_DIR)
    if not records:
        return None
    where = "" if root == "/" else f" in {root}"
    return (f"dpkg was interrupted{where}: its journal ({DPKG_DIR}/{JOURNAL}) holds "
            f"{len(records)} record{'s' if len(records) > 1 else ''} not yet in its status file, "
            "and apt refuses to run until a dpkg run writes them down. Run `dpkg --configure -a` "
            "(`dpkg --triggers-only -a` if it stops at a package to reinstall), then pyguard fix "
            "again; nothing changed")


def _execute(root: str, plan, args: argparse.Namespace, color: bool, style):
    from ..fix.execute import execute
    from ..render import fix as render
    from ..render.terminal import write

    show = args.format == "text"
    total = len(plan.steps)
    status = None
    if color:
        from rich.console import Console
        from rich.text import Text  # a step's command as text, never as markup
        console = Console(file=sys.stdout, highlight=False, no_color=False)

    def listen(event, step, result) -> None:
        nonlocal status
        if not show:
            return
        if status is not None:
            status.stop()
            status = None
            if event == "end":
                write(render.step_start(step, total) + "\n", sys.stdout, color)
        if event == "check":
            if color:
                status = console.status("checking that apt can get every package, downloading")
                status.start()
            return
        if event == "start":
            if color:
                status = console.status(Text(render.step_start(step, total)))
                status.start()
            else:
                sys.stdout.write(render.step_start(step, total) + "\n")
                sys.stdout.flush()
            return
        write(render.step_end(result, style), sys.stdout, color)
        sys.stdout.flush()

    command_line = "pyguard fix" + ("" if root == "/" else f" --root {root}")
    try:
        return execute(root, plan, command_line, listen, args.allow_upgrade)
    finally:
        if status is not None:
            status.stop()


def interrupted_text(root: str, as_root: bool) -> str:
    """What to tell after Ctrl-C: the mounts are gone, undo puts back what was changed, and
    whether dpkg was left half done in the root (then how to finish it before anything else)."""
    import shlex

    from ..actions.model import ConfigurePending, Reinstall, UnpackAlone
    from ..facts import Facts
    from ..facts.unfinished import gather_dpkg_progress, interpreter_debs
    from ..render.escape import printable
    from ..render.text import Context, repair_command
    from ..rootfs import RootFS

    option = "" if root == "/" else f" --root {shlex.quote(root)}"
    undo = f"`pyguard undo{option}` puts back what was changed"
    try:
        facts = Facts(RootFS(root))
        progress = gather_dpkg_progress(facts)
        unfinished = progress.unfinished
        interpreter = interpreter_debs(facts) if unfinished else ()
    except Exception as exc:  # say what could not be checked rather than nothing
        return (f"pyguard fix: interrupted; every mount pyguard made is undone. {undo}.\n"
                f"pyguard fix: could not read dpkg's state ({printable(str(exc))}); check it "
                f"with {repair_command('dpkg --audit', Context(root=root, as_root=as_root))}.\n")
    if not unfinished:
        return (f"pyguard fix: interrupted; every mount pyguard made is undone. "
                f"Run `pyguard undo{option}` to put back what was changed.\n")
    context = Context(root=root, as_root=as_root)
    states = ", ".join(printable(f"{u.apt_name} ({u.state}"
                                 + (", reinstall required" if u.flag == "reinstreq" else "") + ")")
                       for u in unfinished)
    steps: list = [ConfigurePending(triggers_only=True)] if progress.journal else []
    if interpreter:
        steps.append(UnpackAlone(interpreter))
    reinstall = tuple(u.apt_name for u in unfinished if u.needs_reinstall)
    if reinstall:
        steps.append(Reinstall(reinstall))
    steps.append(ConfigurePending())  # what python-dpkg-interrupted's repair does, in order
    commands = [step.command() for step in steps]
    lines = ["pyguard fix: interrupted; every mount pyguard made is undone.",
             f"pyguard fix: dpkg was interrupted and left {states}. Finish its work first:"]
    lines += ["  " + repair_command(c, context) for c in commands]
    lines.append(f"then run `pyguard fix{option}` again; {undo}.")
    return "\n".join(lines) + "\n"


def _confirmed(steps: int) -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        sys.stderr.write("pyguard fix: not on a terminal; run it with --yes to carry out the plan, "
                         "or --dry-run to only see it\n")
        return False
    try:
        answer = input(f"\nRun these {steps} step{'s' if steps != 1 else ''}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        sys.stderr.write("pyguard fix: nothing changed\n")
        return False
    return True


def _fail(envelope, message) -> int:
    """Exit 3: pyguard did not do its job (the JSON, when asked for, still says what it saw)."""
    if envelope is not None:
        from ..render.json import dumps
        sys.stdout.write(dumps(envelope))
    if message:
        from ..render.escape import printable
        sys.stderr.write(f"pyguard fix: {printable(message)}\n")
    return 3
