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
                    "or upgraded stay as they are, with their own files: undo names them and "
                    "never downgrades.")
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
        records, unreadable = store.survey()
        if args.list:
            return _list(records, unreadable)
        fixes = [r for r in records if not r.id.startswith("undo-")]
        if args.id:
            record = store.load(args.id)
        elif unreadable:
            return _fail("cannot tell which fix was the last: "
                         + "; ".join(why for _, why in unreadable)
                         + ". Name the fix to undo: pyguard undo ID (see --list)")
        elif fixes:
            record = fixes[-1]
        else:
            return _fail(f"no fix to undo: {store.root.rstrip('/')}{STORE} holds none")
        if record.state == "undone":
            return _fail(f"{record.id} was undone already (by {record.undone_by}); "
                         f"`pyguard undo {record.undone_by}` puts back what that undo replaced")
        stay = store.superseded(record)  # an upgraded package's old files: not put back
        kept = len(record.entries) - len(stay)  # directories too: undo counts them
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
    sys.stdout.write(put_back(len(changed), kept - len(safety.refused)) + "\n")
    if safety.refused:
        sys.stderr.write("pyguard undo: not put back, because a link now leads from where they "
                         "were into what their owner does not control (still kept in "
                         f"{STORE}/{record.id}):\n" + "".join(f"  {printable(p)}\n"
                                                            for p in safety.refused))
    from ..render.packages import undo_lines

    for line in undo_lines(record.package_changes(), record.packages, len(stay)):
        sys.stdout.write(printable(line) + "\n")
    if safety.entries:
        sys.stdout.write(f"What was there before this undo is kept in {STORE}/{safety.id}.\n")
    return 3 if safety.refused else 0


def put_back(changed: int, kept: int) -> str:
    """What undo did, counted over the paths it announced: every kept path, directories too."""
    if changed == kept:
        return f"Put back {kept} path{'s' if kept != 1 else ''}."
    rest = kept - changed
    return (f"Put back {changed} of {kept} paths; the other {rest} "
            f"{'was' if rest == 1 else 'were'} already as before the fix.")


LIST_HEADERS = ("ID", "CREATED", "STATE", "STEPS", "PATHS", "COMMAND")


def _list(records, unreadable) -> int:
    for _, why in unreadable:
        sys.stderr.write(f"pyguard undo: not listed: {printable(why)}\n")
    if not records:
        sys.stdout.write("No fixes recorded.\n" if not unreadable else
                         "No readable fix records.\n")
        return 3 if unreadable else 0
    rows = [LIST_HEADERS] + [
        tuple(printable(cell) for cell in (r.id, r.created, r.state, str(len(r.steps)),
                                           str(len(r.entries)), r.command))
        for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(LIST_HEADERS) - 1)]
    for row in rows:
        cells = [cell.rjust(w) if LIST_HEADERS[i] in ("STEPS", "PATHS") else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths))]
        sys.stdout.write("  ".join(cells + [row[-1]]) + "\n")
    return 3 if unreadable else 0


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
