"""pyguard upgrade-check: before a release upgrade, what moving to the next python3 will break."""

from __future__ import annotations

import argparse

from ..options import path_value, root_option


def add_upgrade_check(commands) -> None:
    parser = commands.add_parser(
        "upgrade-check", help="before a release upgrade: what the next Python will break",
        description="Say what moving to the next release's python3 will break (venvs, what pip "
                    "installed in /usr/local and users' sites, Debian packages the release "
                    "drops, compiled modules, configuration defeating its guard rails) and what "
                    "it leaves working, and record what each venv and installation holds, so "
                    "that `pyguard fix` rebuilds them after the upgrade. The next release is the "
                    "one the apt lists describe (point the sources at it and run apt update "
                    "first), or --to CODENAME.")
    root_option(parser)
    parser.add_argument("--to", metavar="CODENAME", default="",
                        help="look ahead to this release (trixie, noble, ...) with pyguard's "
                             "release table, without changing the sources")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-record", dest="record", action="store_false",
                        help="only say what will break; record no snapshots")
    parser.add_argument("--state-dir", type=path_value, metavar="DIR",
                        help="where the snapshots are kept (default: /var/lib/pyguard as root, "
                             "else $XDG_STATE_HOME/pyguard)")
    parser.set_defaults(run=run_upgrade_check)


def run_upgrade_check(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..render.escape import printable
    from ..render.progress import slow_work
    from ..report.upgrade import upgrade_check

    with slow_work("pyguard: examining the system and the release ahead"):
        outcome = upgrade_check(args.root, args.to, args.record, args.state_dir)
    for message in outcome.messages:
        sys.stderr.write(printable(message) + "\n")
    if args.format == "json":
        from ..render.json import dumps
        from ..render.upgrade import envelope

        data = envelope(outcome)
        sys.stdout.write(dumps(data))
        return data["exit_code"]
    run = outcome.examination
    if run.problem is not None:
        sys.stderr.write(f"pyguard upgrade-check: {printable(run.problem.message)}\n")
        return 3
    from ..render.terminal import marked, prose_width, use_color, write
    from ..render.text import Context, plain
    from ..render.upgrade import text

    color = use_color(sys.stdout)
    context = Context(root=run.root, as_root=os.geteuid() == 0)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    write(text(outcome, context, marked if color else plain, prose_width(sys.stdout)),
          sys.stdout, color)
    return outcome.exit_code


def record_for_hook(root: str) -> str:
    """Record the snapshots before an upgrade starts (apt's pre-invoke hook); returns where,
    or "" when they could not be kept. The hook cannot import the report layer: cli and the
    hooks command hand it this."""
    from ..config import active
    from ..facts.snapshots import snapshot_dir
    from ..report.snapshots import record_root
    from ..rootfs import RootFS
    from ..statedir import state_dir

    directory = state_dir()
    messages = record_root(root, active().venv_roots, directory)
    return "" if messages else snapshot_dir(directory, RootFS(root).root)
