"""pyguard undo: put back every file a fix changed, as it was before the fix."""

from __future__ import annotations

import argparse
import os
import sys

from ..options import root_option, root_problem
from ..render.escape import printable  # the undo store's records are the examined root's files


def add_undo(commands) -> None:
    parser = commands.add_parser(
        "undo", help="put back what a pyguard fix changed (default: the last fix)",
        description="Put every file a fix removed or overwrote back as it was before the fix: "
                    "same bytes, mode, owner and link target. Packages the fix reinstalled "
                    "stay as they are (they are named, not downgraded).")
    root_option(parser)
    parser.add_argument("id", nargs="?", metavar="ID", help="the fix to undo (see --list)")
    parser.add_argument("--list", action="store_true", help="list the fixes that can be undone")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="undo without asking (needed when not on a terminal)")
    parser.set_defaults(run=run_undo)


def run_undo(args: argparse.Namespace) -> int:
    from ..fix.store import STORE, Store, StoreError

    bad_root = root_problem(args.root)
    if bad_root:
        return _fail(bad_root)
    store = Store(args.root)
    try:
        records = store.records()
        if args.list:
            return _list(records)
        fixes = [r for r in records if not r.id.startswith("undo-")]
        if args.id:
            record = store.load(args.id)
        elif fixes:
            record = fixes[-1]
        else:
            return _fail(f"no fix to undo: {store.root.rstrip('/')}{STORE} holds none")
        if record.state == "undone":
            return _fail(f"{record.id} was undone already (by {record.undone_by}); "
                         f"`pyguard undo {record.undone_by}` puts back what that undo replaced")
        kept = len([e for e in record.entries if e.type != "dir"])
        paths = "1 path goes" if kept == 1 else f"{kept} paths go"
        sys.stdout.write(printable(f"Undo {record.id} ({record.command}, {record.created}, "
                                   f"{record.state}): {paths} back as they were before the fix.")
                         + "\n")
        if os.geteuid() != 0:
            return _fail("pyguard undo changes the system: run it as root")
        if not args.yes and not _confirmed():
            return 3
        safety, changed = store.restore(record)
    except (StoreError, OSError) as exc:
        return _fail(str(exc))
    sys.stdout.write(f"Put back {len(changed)} path{'s' if len(changed) != 1 else ''}; the rest "
                     "were already as before the fix.\n")
    if record.packages:
        sys.stdout.write("Packages the fix unpacked stay as they are (not downgraded): "
                         + printable(", ".join(record.packages)) + "\n")
    if safety.entries:
        sys.stdout.write(f"What was there before this undo is kept in {STORE}/{safety.id}.\n")
    return 0


def _list(records) -> int:
    if not records:
        sys.stdout.write("No fixes recorded.\n")
        return 0
    for record in records:
        kept = len([e for e in record.entries if e.type != "dir"])
        sys.stdout.write(printable(f"{record.id}  {record.created}  {record.state:<11}  "
                                   f"{len(record.steps)} step(s), {kept} path(s) kept  "
                                   f"{record.command}") + "\n")
    return 0


def _confirmed() -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        sys.stderr.write("pyguard undo: not on a terminal; run it with --yes\n")
        return False
    try:
        return input("Put them back? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _fail(message: str) -> int:
    sys.stderr.write(f"pyguard undo: {printable(message)}\n")
    return 3
