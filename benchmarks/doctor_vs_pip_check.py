#!/usr/bin/env python3
"""Time `pyguard doctor` against `python3 -m pip check`, the one check users run today.

Both run on this host in the same run, interleaved, so machine load hits both alike; the
ratio is what counts. Goal: doctor takes at most half of pip check's wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from installed import byte_compile_pyguard
from typing import List, Optional, Sequence


def wall_time(command: Sequence[str], env: Optional[dict] = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL, check=False, env=env)
    return time.perf_counter() - start


def cold_env() -> dict:
    """An empty cache directory: the first run after a dpkg change rebuilds its index."""
    return {**os.environ, "PYGUARD_CACHE_DIR": tempfile.mkdtemp(prefix="pyguard-bench-")}


def pip_check_command() -> List[str]:
    """Debian's own pip for the system interpreter when installed, else the first python3's."""
    for python in ("/usr/bin/python3", shutil.which("python3") or "python3"):
        if subprocess.run([python, "-c", "import pip"], capture_output=True).returncode == 0:
            return [python, "-m", "pip", "check"]
    sys.exit("no pip to compare with: install python3-pip")


def pyguard_command() -> List[str]:
    script = os.path.join(os.path.dirname(sys.executable), "pyguard")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "pyguard"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    byte_compile_pyguard()
    doctor = pyguard_command() + ["doctor", "--format", "json"]
    pip_check = pip_check_command()
    wall_time(doctor), wall_time(pip_check)  # warm the page cache for both
    warm, cold, pip_times = [], [], []
    for _ in range(args.runs):
        warm.append(wall_time(doctor))
        pip_times.append(wall_time(pip_check))
        cold.append(wall_time(doctor, cold_env()))
    p = statistics.median(pip_times)
    print(f"pip check                     median {p * 1000:7.1f} ms  ({' '.join(pip_check)})")
    for label, times in (("pyguard doctor", warm), ("pyguard doctor, no cache", cold)):
        d = statistics.median(times)
        print(f"{label:<29} median {d * 1000:7.1f} ms  ratio {d / p:.2f}  (goal: at most 0.50)")
    print(f"{args.runs} runs each, interleaved; doctor: {' '.join(doctor)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
