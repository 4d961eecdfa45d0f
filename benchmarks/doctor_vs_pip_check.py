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
import time
from typing import List, Sequence


def wall_time(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


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
    doctor = pyguard_command() + ["doctor", "--format", "json"]
    pip_check = pip_check_command()
    wall_time(doctor), wall_time(pip_check)  # warm the page cache for both
    doctor_times, pip_times = [], []
    for _ in range(args.runs):
        doctor_times.append(wall_time(doctor))
        pip_times.append(wall_time(pip_check))
    d, p = statistics.median(doctor_times), statistics.median(pip_times)
    print(f"pyguard doctor      median {d * 1000:7.1f} ms  ({' '.join(doctor)})")
    print(f"pip check           median {p * 1000:7.1f} ms  ({' '.join(pip_check)})")
    print(f"ratio doctor/pip check: {d / p:.2f}  (goal: at most 0.50) over {args.runs} runs each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
