"""Whole processes timed interleaved: every command of a round in a new shuffled order, so load
from others on the machine hits each alike; medians, and how noisy the machine was."""

from __future__ import annotations

import os
import platform
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple


@dataclass
class Command:
    argv: Sequence[str]
    env: Optional[Dict[str, str]] = None
    expect: Tuple[int, ...] = (0, 1, 2)
    """Exit codes that mean the command did its job (doctor exits 1 or 2 on findings)."""
    prepare: Optional[Callable[[], Dict[str, str]]] = None
    """Called before each run: extra environment for it (a fresh cache directory)."""
    settle: Optional[Callable[[Dict[str, str]], None]] = None
    """Called after each run with its environment, untimed: waits for what the run left working
    in the background, so that it does not weigh on the next command."""
    wall: List[float] = field(default_factory=list)
    """Milliseconds of each run."""
    rss: List[int] = field(default_factory=list)
    """Peak resident set of each run in KiB (the largest of the process and its children)."""


SPAWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spawn.py")


def run_once(command: Command) -> None:
    """One run, started by spawn.py so that its peak RSS is its own and not this process's."""
    env = dict(command.env if command.env is not None else os.environ)
    if command.prepare is not None:
        env.update(command.prepare())
    report, report_w = os.pipe()
    try:
        process = subprocess.Popen([sys.executable, "-I", "-S", SPAWN, str(report_w),
                                    *command.argv], env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   pass_fds=(report_w,))
    finally:
        os.close(report_w)
    try:
        stderr = process.stderr.read()  # type: ignore[union-attr]
        returncode = process.wait()
        measured = os.read(report, 128).split()
    finally:
        os.close(report)
    if returncode not in command.expect or len(measured) != 2:
        sys.exit(f"{' '.join(command.argv)} exited {returncode}:\n"
                 f"{stderr.decode(errors='replace')[-2000:]}")
    command.wall.append(float(measured[0]))
    command.rss.append(int(measured[1]))
    if command.settle is not None:
        command.settle(env)


def interleaved(commands: Dict[str, Command], runs: int, seed: int = 13,
                warmup: int = 1) -> Dict[str, Command]:
    """Run each command `warmup` times (page cache), then `runs` rounds in shuffled order."""
    order = list(commands)
    for _ in range(warmup):
        for name in order:
            run_once(commands[name])
    for command in commands.values():
        command.wall.clear()
        command.rss.clear()
    shuffle = random.Random(seed).shuffle
    for _ in range(runs):
        shuffle(order)
        for name in order:
            run_once(commands[name])
    return commands


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> float:
    """Interquartile range as a share of the median: the run's noise."""
    if len(values) < 4:
        return 0.0
    q = statistics.quantiles(values, n=4)
    return (q[2] - q[0]) / statistics.median(values)


def machine() -> str:
    """nproc, CPU model, kernel, Debian's Python and the load: where a table came from."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "")
    except OSError:
        pass
    python = subprocess.run(["/usr/bin/python3", "-c", "import sys; print(sys.version.split()[0])"],
                            capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs ({model or platform.machine()}), Linux {platform.release()}, "
            f"Debian's Python {python or '?'}, load average {load[0]:.2f} {load[1]:.2f}")
