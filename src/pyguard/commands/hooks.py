"""pyguard hooks install|uninstall|status|pre-invoke|post-invoke|post-update: the apt hooks."""

from __future__ import annotations

import argparse

HOOKS = ("pre-invoke", "post-invoke", "post-update")


def add_hooks(commands) -> None:
    from ..options import path_value

    parser = commands.add_parser(
        "hooks", help="place, remove or check the apt hooks; the hooks apt runs",
        description="apt runs `pyguard hooks pre-invoke` before each dpkg run and `pyguard hooks "
                    "post-invoke` after it (DPkg::Pre-Invoke and DPkg::Post-Invoke in "
                    "/etc/apt/apt.conf.d/80pyguard). Before: if the maintainer scripts of Python "
                    "packages will fail, say why and the exact repair. After: if the run left "
                    "Python broken, a short summary. After `apt update` (APT::Update::"
                    "Post-Invoke-Success): `pyguard hooks post-update` brings the pip guard's "
                    "index of the apt lists up to date, where the guard is placed. Silent on a "
                    "healthy system; they always exit 0. The Debian package ships the file; "
                    "`pyguard hooks install` places it for a pip or pipx install.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    for action, text in (
            ("install", "place /etc/apt/apt.conf.d/80pyguard, running this pyguard (pip or pipx "
                        "install; never over a file pyguard did not place)"),
            ("uninstall", "remove the file `hooks install` placed, if unchanged"),
            ("status", "report the file, what it runs, and whether pyguard.conf turns it off"),
            ("pre-invoke", "apt's DPkg::Pre-Invoke hook: will maintainer scripts fail? "
                           "(stderr; silent when healthy; exit 0)"),
            ("post-invoke", "apt's DPkg::Post-Invoke hook: did the run leave Python broken? "
                            "(stderr; silent when healthy; exit 0)"),
            ("post-update", "apt's APT::Update::Post-Invoke-Success hook: bring the pip "
                            "guard's index of the apt lists up to date, if the guard is placed "
                            "(silent; exit 0)")):
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument("--root", type=path_value, default="/", metavar="DIR",
                         help="the system to act on, mounted at DIR (default: /)")
        if action == "install":
            sub.add_argument("--interpreter", default="", metavar="PYTHON",
                             help="the Python that runs the hooks (default: the real file "
                                  "behind this one, e.g. /usr/bin/python3.11)")
            sub.add_argument("--pythonpath", type=path_value, action="append", default=[],
                             metavar="DIR",
                             help="where that Python finds pyguard (default: where this one "
                                  "finds it and python-debian)")
        if action in ("status", *HOOKS):
            sub.add_argument("--config", type=path_value, metavar="FILE",
                             help="config file (default: $PYGUARD_CONFIG or "
                                  "/etc/pyguard/pyguard.conf)")
        sub.set_defaults(run=run_hook if action in HOOKS else run_hooks)


def run_hooks(args: argparse.Namespace) -> int:
    """install, uninstall, status: exit 0 all well, 1 a file left alone or not as placed, 3 could
    not act."""
    import os
    import sys

    from ..apthooks import conf

    from ..options import root_problem
    from ..render.escape import printable  # paths and file contents of the examined root

    bad_root = root_problem(args.root)
    if bad_root:
        sys.stderr.write(f"pyguard hooks: {printable(bad_root)}\n")
        return 3
    try:
        if args.action == "install":
            if args.interpreter or args.pythonpath:
                from ..guard.shims import default_paths
                launch = conf.python_launch(args.interpreter or os.path.realpath(sys.executable),
                                            args.pythonpath or default_paths())
            else:
                launch = conf.current_launch()
            code, lines = conf.install(args.root, launch)
        elif args.action == "uninstall":
            code, lines = conf.uninstall(args.root)
        else:
            code, lines = conf.status(args.root, _config_note(args.config))
    except conf.HookError as exc:
        sys.stderr.write(f"pyguard hooks {args.action}: {printable(str(exc))}\n")
        return 3
    except PermissionError as exc:
        sys.stderr.write(f"pyguard hooks {args.action}: {printable(str(exc))} (run it as root)\n")
        return 3
    sys.stdout.write("".join(printable(line) + "\n" for line in lines))
    return code


def _config_note(path) -> str:
    from .. import config as config_module

    try:
        config = config_module.load(path)
    except config_module.ConfigError as exc:
        return f"cannot tell: {exc}"
    where = config.path or f"{config_module.default_path()} (none)"
    return f"{'on' if config.apt_hooks else 'off'} ([hooks] apt in {where})"


def run_hook(args: argparse.Namespace) -> int:
    from ..apthooks.run import hook
    from .upgrade_check import record_for_hook

    return hook(args.action, args.root, args.config, record_for_hook)
