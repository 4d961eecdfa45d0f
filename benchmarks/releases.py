#!/usr/bin/env python3
"""The launcher's table on a bookworm and a trixie root alike: what Debian's Python 3.11 and
3.13 make of the same pyguard.

The host's table measures one release against the host's own packages; this one builds equal
roots (the system tests' package set and debsums, from the mirror, cached as the tests cache
them), copies this checkout into an overlay of each and runs `table.py --only launcher` inside
it with chroot. The two tables run one after the other, so the machine's drift lies between
them (the floor row does the same work in both: it shows how much); compare their
milliseconds, not their ratios, as each release's pip is a different program. What start-up
costs in each interpreter is then measured interleaved, in one run (startup_probe.py).
Needs root and the Debian mirror; says why and does nothing otherwise. Every mount is undone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
from pathlib import Path
from typing import Dict, List

ROOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT_DIR / "tests" / "system"))

import realroot  # noqa: E402

COPIED = ("src", "rules", "launcher", "benchmarks")
INSIDE = "/opt/pyguard"


def run_inside(root: realroot.RealRoot, command: str) -> str:
    done = root.run(command, check=False, timeout=3600)
    if done.returncode != 0:
        sys.exit(realroot.describe_run(command, done))
    return done.stdout


def startup(roots: Dict[str, realroot.RealRoot], rounds: int) -> str:
    """Start-up figures of each root's Python, the roots taken in turn, medians."""
    probe = f"python3 -I -S {INSIDE}/benchmarks/startup_probe.py {INSIDE}/src"
    for root in roots.values():  # byte-compiled, as py3compile leaves an installed pyguard
        run_inside(root, f"python3 -m compileall -q {INSIDE}/src > /dev/null")
    seen: Dict[str, List[dict]] = {release: [] for release in roots}
    for _ in range(rounds):
        for release, root in roots.items():
            seen[release].append(json.loads(run_inside(root, probe)))
    head = " | ".join(f"{r} (Python {seen[r][0]['python']})" for r in roots)
    lines = [f"| start-up, interleaved | {head} |", "|---" * (len(roots) + 1) + "|"]
    for what, key, unit in (("importing every pyguard module", "imports_ms", "{:.0f} ms"),
                            ("creating one frozen dataclass of 5 fields", "dataclass_ms",
                             "{:.2f} ms")):
        cells = " | ".join(unit.format(statistics.median(s[key] for s in seen[r])) for r in roots)
        lines.append(f"| {what} | {cells} |")
    return "\n".join(lines) + f"\n\n{rounds} rounds, medians, times inside the process.\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("releases", nargs="*", default=list(realroot.RELEASES))
    args = parser.parse_args()
    unable = realroot.system_skip_reason()
    if unable:
        print(f"releases.py: not measured: {unable}")
        return 0
    with contextlib.ExitStack() as stack:
        roots = {}
        for release in args.releases:
            lower = realroot.cached_root(release, packages=(*realroot.PACKAGES, "debsums"))
            roots[release] = root = stack.enter_context(realroot.overlay(release, lower))
            for name in COPIED:
                shutil.copytree(ROOT_DIR / name, root.host(f"{INSIDE}/{name}"),
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for release, root in roots.items():
            print(f"## {release}\n")
            print(run_inside(root, f"sleep 1.5 && python3 {INSIDE}/benchmarks/table.py "
                                   f"--only launcher --runs {args.runs}"))
        print(startup(roots, max(args.runs, 5)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
