#!/usr/bin/env python3
"""Time the apt hooks as apt runs them, against what apt and dpkg do anyway, in the same run.

apt runs DPkg::Pre-Invoke before each dpkg run: the hook's whole cost is added to every
`apt install`. Measured here, on this system (read only, nothing is changed):

- the Pre-Invoke and Post-Invoke lines of /etc/apt/apt.conf.d/80pyguard exactly as apt runs
  them (`sh -c`, `timeout`, /usr/bin/pyguard's launcher, which probes the interpreter and
  then starts pyguard), with the launcher copied to a temporary file that finds this checkout's
  byte-compiled pyguard before /usr/lib/python3/dist-packages;
- the launcher alone, and pyguard started directly by the interpreter (what a pip install's
  line runs);
- against `apt-config dump` (apt reads its configuration on every start) and `dpkg --audit`
  (dpkg reads its database on every start).

Goal (issue 8): the Pre-Invoke line well under 250 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence

from installed import byte_compile_pyguard

ROOT_DIR = Path(__file__).resolve().parents[1]
SRC = ROOT_DIR / "src"
sys.path.insert(0, str(SRC))

from pyguard.apthooks import conf  # noqa: E402

GOAL_MS = 250.0


def wall_ms(command: Sequence[str], env: Dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n"
                 f"{done.stderr.decode(errors='replace')}")
    return elapsed


def launcher_copy(work: Path) -> Path:
    """launcher/pyguard, finding this checkout's pyguard first (the rest of it unchanged)."""
    text = (ROOT_DIR / "launcher" / "pyguard").read_text()
    old = '''"/usr/lib/python%s/lib-dynload" % v, "'"$DIST"'"]'''
    if old not in text:
        sys.exit("launcher/pyguard's sys.path line changed: update benchmarks/apt_hook.py")
    path = work / "pyguard"
    path.write_text(text.replace(old, f'''"/usr/lib/python%s/lib-dynload" % v, "{SRC}", "'"$DIST"'"]'''))
    path.chmod(0o755)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not Path("/var/lib/dpkg/status").exists() or shutil.which("apt-config") is None:
        sys.exit("needs a Debian or Ubuntu system (dpkg and apt)")
    byte_compile_pyguard()
    work = Path(tempfile.mkdtemp(prefix="pyguard-bench-"))
    try:
        launcher = launcher_copy(work)
        (work / "pyguard.conf").write_text("")  # hooks on, whatever this host's config says
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8",
               "PYGUARD_CONFIG": str(work / "pyguard.conf")}
        launch = [str(launcher)]
        said = subprocess.run(["/bin/sh", "-c", conf.command_line(launch, "pre-invoke")], env=env,
                              capture_output=True, text=True)
        python = os.path.realpath("/usr/bin/python3")
        direct = conf.python_launch(python if os.access(python, os.X_OK) else
                                    os.path.realpath(sys.executable), [str(SRC)])
        commands = {
            "pre-invoke line": ["/bin/sh", "-c", conf.command_line(launch, "pre-invoke")],
            "post-invoke line": ["/bin/sh", "-c", conf.command_line(launch, "post-invoke")],
            "launcher alone": [str(launcher), "hooks", "pre-invoke"],
            "pyguard direct": [*direct, "hooks", "pre-invoke"],
            "apt-config dump": ["apt-config", "dump"],
            "dpkg --audit": ["dpkg", "--audit"],
        }
        for command in commands.values():
            wall_ms(command, env)  # warm the page cache
        times: Dict[str, List[float]] = {name: [] for name in commands}
        order = list(commands)
        shuffle = random.Random(8).shuffle  # a fixed order favours one side: shuffle each round
        for _ in range(args.runs):
            shuffle(order)
            for name in order:
                times[name].append(wall_ms(commands[name], env))
        median = {name: statistics.median(values) for name, values in times.items()}
        apt_config, audit = median["apt-config dump"], median["dpkg --audit"]
        for name in commands:
            line = f"{name:<18} median {median[name]:7.1f} ms"
            if name not in ("apt-config dump", "dpkg --audit"):
                line += (f"  = {median[name] / apt_config:4.1f} x apt-config dump, "
                         f"{median[name] / audit:4.1f} x dpkg --audit")
            print(line)
        pre = median["pre-invoke line"]
        print(f"pre-invoke, as apt runs it: {pre:.1f} ms (goal: well under {GOAL_MS:.0f}) "
              f"{'ok' if pre < GOAL_MS else 'MISSED'}")
        print(f"{args.runs} runs each, interleaved, shuffled; this checkout's pyguard, "
              f"byte-compiled, through launcher/pyguard; this system's hook output: "
              f"{'none (healthy)' if not said.stderr else repr(said.stderr[:200])}")
        return 0 if pre < GOAL_MS else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
