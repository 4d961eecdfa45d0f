#!/usr/bin/env python3
"""Time modified-debian-file's verification against `debsums -s` of the same packages.

Both run on this host in the same run, interleaved, so machine load hits both alike.
Goals: a first run (empty cache: PYGUARD_CACHE_DIR is a fresh temp dir, so dpkg's ownership
index is built too) takes at most half of debsums' wall time, a repeat run at most a tenth.

Each pyguard run is a fresh process; what is timed inside it (the goal's measure) is everything
the verification needs from a fresh Facts (dpkg's ownership index, the plan, lstat and md5 of
every file), not the Python start and imports that `pyguard doctor` pays once for all its
rules. Also printed: the time when dpkg's index and the interpreters were read already (as in
doctor), CPU time of all threads against debsums' (what counts on a loaded machine, where the
worker threads find no idle core), and the whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Tuple

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

PROBE = """
import json, sys, time
start = time.perf_counter()
from pyguard.facts import Facts
from pyguard.facts.verify import gather_verification, python_packages
from pyguard.rootfs import RootFS
imported = time.perf_counter()
cpu = time.process_time()
facts = Facts(RootFS("/"))
if "--marginal" in sys.argv:  # what the other rules of doctor have read already
    facts.interpreters
    imported, cpu = time.perf_counter(), time.process_time()
result = facts.get(gather_verification)
done = time.perf_counter()
out = {"verify": done - imported, "cpu": time.process_time() - cpu,
       "files": result.files, "hashed": result.hashed,
       "broken": [b.package for b in result.broken]}
if "--packages" in sys.argv:
    out["packages"] = python_packages(facts)
print(json.dumps(out))
"""


def probe(cache_dir: str, *args: str) -> Tuple[float, dict]:
    env = {**os.environ, "PYGUARD_CACHE_DIR": cache_dir,
           "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                            text=True, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start, json.loads(result.stdout)


def debsums(packages: List[str]) -> Tuple[float, float]:
    """(wall time, CPU time) of `debsums -s PACKAGES`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(["debsums", "-s", *packages], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if shutil.which("debsums") is None:
        sys.exit("debsums is not installed (apt-get install debsums; `make test` installs it)")
    scratch = tempfile.mkdtemp(prefix="pyguard-bench-verify-")
    try:
        _, info = probe(os.path.join(scratch, "first"), "--packages")
        packages = info["packages"]
        debsums(packages)  # warm the page cache for both
        times: Dict[str, List[float]] = {}
        hashed = {"first": 0, "repeat": 0}
        for run in range(args.runs):
            cache_dir = os.path.join(scratch, f"run{run}")
            wall, cpu = debsums(packages)
            times.setdefault("debsums", []).append(wall)
            times.setdefault("debsums-cpu", []).append(cpu)
            for mode in ("", "-marginal"):
                for kind in ("first", "repeat"):
                    wall, out = probe(cache_dir + mode, *(["--marginal"] if mode else []))
                    for key, value in (("", out["verify"]), ("-process", wall), ("-cpu", out["cpu"])):
                        times.setdefault(kind + mode + key, []).append(value)
                    hashed[kind] = out["hashed"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    m = {key: statistics.median(values) for key, values in times.items()}
    d = m["debsums"]
    print(f"{len(packages)} packages, {info['files']} files; "
          f"not as shipped: {', '.join(info['broken']) or 'none'}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"debsums -s                         median {d * 1000:7.1f} ms  (CPU {m['debsums-cpu'] * 1000:.0f} ms)")
    for kind, goal, label in (("first", 0.5, "first run (empty cache)"),
                              ("repeat", 0.1, "repeat run (cache)")):
        t = m[kind]
        verdict = "met" if t / d <= goal else f"missed by {(t / d - goal) * d * 1000:.0f} ms"
        print(f"pyguard {label:<26} median {t * 1000:7.1f} ms  ratio {t / d:.2f}  "
              f"(goal: at most {goal:.2f}, {verdict}); {hashed[kind]} files hashed")
        marginal = m[kind + "-marginal"]
        print(f"  with dpkg's index and the interpreters  {marginal * 1000:7.1f} ms  ratio "
              f"{marginal / d:.2f}  (read already, as in doctor, where every rule needs them)")
        print(f"  CPU time (all threads)                  {m[kind + '-cpu'] * 1000:7.1f} ms  "
              f"ratio {m[kind + '-cpu'] / m['debsums-cpu']:.2f} to debsums' CPU time")
        print(f"  the same as a whole process      median {m[kind + '-process'] * 1000:7.1f} ms  "
              f"ratio {m[kind + '-process'] / d:.2f}  (Python start and imports included)")
    print(f"{args.runs} runs each, interleaved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
