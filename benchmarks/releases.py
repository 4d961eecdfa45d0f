#!/usr/bin/env python3
"""The launcher's table on a bookworm and a trixie root alike: what Debian's Python 3.11 and
3.13 make of the same pyguard.

The host's table measures one release against the host's own packages; this one builds equal
roots (the system tests' package set and debsums, from the mirror, cached as the tests cache
them), copies this checkout into an overlay of each and runs `table.py --only launcher` inside
it with chroot, so the two tables differ by the release alone. Compare their milliseconds, not
their ratios: each release's pip is a different program, and each root holds its own packages.
Needs root and the Debian mirror; says why and does nothing otherwise. Every mount is undone.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT_DIR / "tests" / "system"))

import realroot  # noqa: E402

COPIED = ("src", "rules", "launcher", "benchmarks")
INSIDE = "/opt/pyguard"


def table_in(release: str, runs: int) -> str:
    """table.py's output, run inside an overlay of `release`'s cached root."""
    lower = realroot.cached_root(release, packages=(*realroot.PACKAGES, "debsums"))
    with realroot.overlay(release, lower) as root:
        for name in COPIED:
            shutil.copytree(ROOT_DIR / name, root.host(f"{INSIDE}/{name}"),
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        done = root.run(f"sleep 1.5 && python3 {INSIDE}/benchmarks/table.py --only launcher "
                        f"--runs {runs}", check=False, timeout=3600)
        if done.returncode != 0:
            sys.exit(realroot.describe_run("table.py", done))
        return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("releases", nargs="*", default=list(realroot.RELEASES))
    args = parser.parse_args()
    unable = realroot.system_skip_reason()
    if unable:
        print(f"releases.py: not measured: {unable}")
        return 0
    for release in args.releases:
        print(f"## {release}\n")
        print(table_in(release, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
