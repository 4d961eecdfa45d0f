"""pyguard venvs: the virtual environments under the scan roots and whether each still works."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Iterable, Tuple

from ..options import inside_path, root_option, root_problem

if TYPE_CHECKING:
    from ..facts.venvs import Venv
    from ..venv_rows import VenvRow


def add_venvs(commands) -> None:
    parser = commands.add_parser(
        "venvs", help="list virtual environments and whether each still works",
        description="List the virtual environments (directories with a pyvenv.cfg) under the "
                    "scan roots: the Python each was made with, the interpreter it runs, how "
                    "many projects it holds and whether it still works. Roots: --venv-root, "
                    "else $PYGUARD_VENV_ROOTS (colon-separated), else [venvs] roots in "
                    "/etc/pyguard/pyguard.conf, else /srv /opt /home /root /var/www.")
    root_option(parser)
    parser.add_argument("--venv-root", type=inside_path, action="append", default=[],
                        metavar="DIR",
                        help="look for venvs below DIR, a path inside the examined root "
                             "(may be repeated; replaces the default roots)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run_venvs)


def run_venvs(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..findings import Problem
    from ..render import venvs as render
    from ..render.escape import printable

    roots = ()
    venvs = ()
    notes = ()
    errors = []
    from ..config import ConfigError, load

    try:
        from ..facts.venvs import venv_roots
        roots = venv_roots(args.venv_root, configured=load().venv_roots)
        bad_root = root_problem(args.root)
        if bad_root:
            errors.append(Problem("bad-root", bad_root))
        else:
            from ..facts.dpkg import DpkgDatabase
            from ..facts.venvs import find_venvs
            from ..rootfs import RootFS

            fs = RootFS(args.root)
            venvs = venv_rows(find_venvs(fs, DpkgDatabase(fs), roots))
            notes = tuple(fs.notes)
    except ConfigError as exc:
        errors.append(Problem("bad-config", str(exc)))
    except Exception as exc:  # pyguard's own failure: a clear answer and exit 3
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        errors.append(Problem("internal-error", f"{type(exc).__name__}: {exc}"))
    root = os.path.realpath(args.root)
    if args.format == "json":
        from ..render.json import dumps
        data = render.envelope(venvs, roots, root, errors, notes)
        sys.stdout.write(dumps(data))
        return data["exit_code"]
    if errors:
        for problem in errors:
            sys.stderr.write(f"pyguard: {printable(problem.message)}\n")
        return 3
    from ..render.terminal import use_color
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    if use_color(sys.stdout):
        render.rich_table(venvs, roots, notes, sys.stdout)
    else:
        sys.stdout.write(render.text(venvs, roots, notes))
    return render.exit_code(venvs, errors)


def venv_rows(venvs: Iterable[Venv]) -> Tuple[VenvRow, ...]:
    """The listing's rows (pyguard.venv_rows) of the venvs pyguard.facts.venvs found, but pipx's
    own shared venv: pipx's business, which it remakes itself (the search reaches it in one of
    pipx's homes and not in the other)."""
    from ..venv_rows import VenvProject, VenvRow

    return tuple(VenvRow(path=v.path, python=v.made_with, interpreter=v.interpreter_target,
                         runs=v.runs or "", problem=v.problem,
                         system_site_packages=v.system_site_packages,
                         projects=tuple(VenvProject(p.name, p.version, p.installer)
                                        for p in v.packages),
                         managed_by="pipx" if v.pipx_home else "uv" if v.uv_tools else "")
                 for v in venvs if v.pipx_app or not v.pipx_home)
