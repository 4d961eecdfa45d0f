#!/usr/bin/env python3
"""How doctor's cost grows: generated roots with 100, 1,000 and 5,000 installed packages, and
with 10, 100 and 1,000 venvs under /srv.

The roots are made with the tests' fake-root builder (tests/fakeroot.py: bookworm's Python
packages, dpkg's status, file lists and md5sums as dpkg writes them) plus generated packages
(a fifth of them python3-* modules in dist-packages, which modified-debian-file verifies, the
rest files under /usr/share) and venvs (tests/fakeroot_venvs.py: pip and setuptools in each).

Each root is examined in a fresh process with an empty cache, as the first run after a dpkg
change does (a root given with --root is never cached, so the examination runs as for /), then
once more with the first run kept (pyguard.memo: one lstat per path the first run read), and a
third time without the kept run, as after a change to a venv (the kept facts used). Times
are medians of --runs, inside the process (Python's start and imports are the same for every
size and are left out). Nothing outside a temporary directory is written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

ROOT_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT_DIR / "tests"), str(ROOT_DIR / "src")]

from fakeroot import FakeRoot  # noqa: E402
from fakeroot_venvs import make_venv  # noqa: E402

PACKAGES = (100, 1000, 5000)
VENVS = (10, 100, 1000)

PROBE = """
import glob, json, os, sys, time
from pyguard import cache, examine, journal, memo
memo.kept_for = lambda root: True  # a generated root, kept as the running system's runs are
journal.RACY_NS = 0  # its files are seconds old
times = []
for again in (False, False, True):
    if again:  # as after a change to a venv: the kept run gone, the kept facts there
        for path in glob.glob(os.path.join(cache.cache_dir(), "memo-examine-*")):
            os.unlink(path)
    start = time.perf_counter()
    run = examine.examine(sys.argv[1])
    times.append(time.perf_counter() - start)
    assert run.problem is None, run.problem
print(json.dumps({"first": times[0], "kept": times[1], "again": times[2],
                  "findings": len(run.report.findings)}))
"""


def build(path: Path, packages: int, venvs: int) -> Tuple[FakeRoot, int]:
    """A bookworm root with `packages` generated packages and `venvs` venvs; (root, files)."""
    root = FakeRoot.bookworm(path)
    write_status = root._write_status
    root._write_status = lambda: None  # type: ignore[method-assign] # once, at the end
    files = 0
    for i in range(packages):
        if i % 5 == 0:
            name = f"python3-gen{i:05d}"
            module = f"/usr/lib/python3/dist-packages/gen{i:05d}"
            content = {f"{module}/__init__.py": f"VERSION = {i}\n"}
            content.update({f"{module}/part{j}.py": f"def f{j}():\n    return {i * j}\n"
                            for j in range(8)})
        else:
            name = f"gen{i:05d}"
            content = {f"/usr/share/{name}/file{j}.txt": f"{name} {j}\n" for j in range(15)}
        root.install(name, content, source=name)
        files += len(content)
    root._write_status = write_status  # type: ignore[method-assign]
    root._write_status()
    for i in range(venvs):
        make_venv(root, f"/srv/venv{i:04d}")
    return root, files


def examine(root: FakeRoot, runs: int) -> Dict[str, float]:
    out: Dict[str, List[float]] = {"first": [], "kept": [], "again": []}
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR / "src")}
    findings = 0
    for _ in range(runs):
        env["PYGUARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="pyguard-growth-cache-")
        try:
            done = subprocess.run([sys.executable, "-c", PROBE, str(root)], env=env,
                                  capture_output=True, text=True)
        finally:
            shutil.rmtree(env["PYGUARD_CACHE_DIR"], ignore_errors=True)
        if done.returncode:
            sys.exit(done.stderr)
        result = json.loads(done.stdout)
        findings = result["findings"]
        for key in out:
            out[key].append(result[key] * 1000)
    return {**{key: statistics.median(values) for key, values in out.items()},
            "findings": findings}


def growth(rows: List[Tuple[int, Dict[str, float]]], key: str) -> str:
    """How the cost grew from the smallest to the largest size, against the size itself."""
    (small, a), (large, b) = rows[0], rows[-1]
    return (f"{key}: x{b[key] / a[key]:.1f} for x{large / small:.0f} "
            f"({(b[key] - a[key]) / (large - small):.3f} ms per added item)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pyguard-growth-"))
    try:
        print("| installed packages | venvs under /srv | files of generated packages | "
              "first run (empty cache) | kept run | examined again (facts kept) |")
        print("|---|---|---|---|---|---|")
        series: Dict[str, List[Tuple[int, Dict[str, float]]]] = {"packages": [], "venvs": []}
        for name, sizes in (("packages", PACKAGES), ("venvs", VENVS)):
            for size in sizes:
                packages, venvs = (size, 10) if name == "packages" else (100, size)
                root, files = build(work / f"{name}-{size}", packages, venvs)
                result = examine(root, args.runs)
                series[name].append((size, result))
                print(f"| {packages} | {venvs} | {files} | {result['first']:.0f} ms | "
                      f"{result['kept']:.0f} ms | {result['again']:.0f} ms |", flush=True)
                shutil.rmtree(work / f"{name}-{size}", ignore_errors=True)
        print()
        for name, rows in series.items():
            print(f"{name}: " + "; ".join(growth(rows, key) for key in ("first", "kept", "again")))
        print(f"medians of {args.runs} fresh processes each, times inside the process; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
