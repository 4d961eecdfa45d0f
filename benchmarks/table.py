#!/usr/bin/env python3
"""The figures of issue 13, as the user meets them, against what each is measured by.

Every figure is a whole process: pyguard installed as the Debian package installs it (the
shell launcher running Debian's /usr/bin/python3, byte-compiled; see installed.py) and through
the project's venv, timed interleaved with its anchor in one run, shuffled each round:

  doctor --format json: warm, examined again, after a dpkg change, with an empty cache
                                                       vs  python3 -m pip check
  packaged-file verification, first run                vs  debsums -s of the same packages
    and its floor (floor.py: bare Python hashing the same files on every core)
  the pip guard's refusal (first run: no apt index)    vs  plain pip --version
  the apt pre-invoke hook as apt runs it               vs  apt-config dump, dpkg --audit
  pyguard rules, pyguard explain RULE                  vs  apt-config dump

Nothing on this host is changed: caches go to temporary directories (PYGUARD_CACHE_DIR), the
pip shims into a temporary root, the guard's log to a temporary file where there is no syslog.
Prints a table like the issue's (median, ratio to the anchor, goal) and the machine it ran on.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from installed import DEBIAN_PYTHON, ROOT_DIR, SRC, Installed, debian_pip, venv_command
from timing import Command, interleaved, machine, median, spread

sys.path.insert(0, str(SRC))

from pyguard.apthooks import conf  # noqa: E402
from pyguard.guard import shims  # noqa: E402

RULE = "python3-link"
PROJECT = "requests"


class Scratch:
    """Temporary directories, removed at the end."""

    def __init__(self) -> None:
        self.top = Path(tempfile.mkdtemp(prefix="pyguard-bench-"))
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        path = self.top / f"cache{self.count}"
        path.mkdir(mode=0o700)
        return str(path)

    def empty_cache(self) -> Dict[str, str]:
        return {"PYGUARD_CACHE_DIR": self.fresh()}

    @staticmethod
    def index_built(env: Dict[str, str], timeout: float = 30) -> None:
        """Wait for the apt index a first refusal leaves to a detached process (both its files
        in the run's cache dir), so that the build weighs on no measured run."""
        cache = Path(env["PYGUARD_CACHE_DIR"])
        deadline = time.monotonic() + timeout
        while not (any(cache.glob("apt-python-index-*")) and any(cache.glob("apt-python-lists-*"))):
            if time.monotonic() > deadline:
                sys.exit(f"no apt index in {cache} {timeout:.0f} s after a first refusal")
            time.sleep(0.01)

    def examined_again(self, warm: str, dpkg_changed: bool = False) -> Dict[str, str]:
        """A copy of the warm cache without the kept run, as after a change to anything doctor
        reads (a pip install in a venv, an edited file); `dpkg_changed`: as a dpkg run leaves it
        (`apt install`, an upgrade), every entry built from dpkg's database no longer matching
        its key too, and no fact kept with what it read of it. What a change leaves valid stays:
        the md5s of unchanged files, the lines of unchanged file lists, the apt lists' python3,
        the rules, the facts kept with files a dpkg run leaves alone (root's shell files, the
        directories the venv search listed)."""
        import marshal

        from pyguard.facts.dpkg import DPKG_DIR, DpkgDatabase
        from pyguard.rootfs import RootFS

        with RootFS("/") as fs:
            current = DpkgDatabase(fs).database_key()
        stale = (-1,) + tuple(current or ())[1:]
        path = Path(self.fresh())
        for entry in Path(warm).glob("*.marshal"):
            if entry.name.startswith("memo-examine-"):
                continue  # the kept run
            form, key, value = marshal.loads(entry.read_bytes())
            if dpkg_changed and entry.name.startswith("memo-") and any(
                    d == DPKG_DIR or d.startswith(DPKG_DIR + "/") for d in value[0]):
                continue  # a fact kept with what it read of dpkg's database
            if dpkg_changed and key == current:
                key = stale
            elif dpkg_changed and isinstance(value, tuple) and value and value[0] == current:
                value = (stale,) + value[1:]
            (path / entry.name).write_bytes(marshal.dumps((form, key, value)))
            (path / entry.name).chmod(0o600)
        return {"PYGUARD_CACHE_DIR": str(path)}


def python_packages(python: str, paths: List[str]) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The packages modified-debian-file verifies on this host (debsums gets the same), and
    (md5, path) of each of their files and conffiles, as dpkg recorded them."""
    code = ("import sys, json; sys.path[:0] = sys.argv[1:]\n"
            "from pyguard.facts import Facts\n"
            "from pyguard.facts.verify import python_packages, read_conffiles\n"
            "from pyguard.rootfs import RootFS\n"
            "facts = Facts(RootFS('/')); dpkg = facts.dpkg\n"
            "packages = python_packages(facts)\n"
            "conffiles = read_conffiles(facts.fs, dpkg.admindir, set(packages), dpkg.native_arch)\n"
            "files = [(md5, path) for p in packages for sums in (dpkg.md5sums(p),\n"
            "         conffiles.get(p, {})) for path, md5 in sums.items()]\n"
            "print(json.dumps([packages, files]))")
    done = subprocess.run([python, "-I", "-c", code, *paths], capture_output=True, text=True,
                          check=True)
    packages, files = json.loads(done.stdout)
    return packages, [tuple(entry) for entry in files]


def venv_paths() -> List[str]:
    """pyguard's and python-debian's directories as the venv has them."""
    site = glob.glob(str(ROOT_DIR / ".venv/lib/python3*/site-packages"))
    return [str(SRC)] + site[:1]


def flavours(installed: Installed,
             only: Optional[str]) -> Dict[str, Tuple[List[str], str, List[str]]]:
    """name -> (pyguard command, interpreter of shims and hooks, sys.path entries they add);
    `only` one of them (the launcher alone needs no venv: a root built to measure in has none)."""
    chosen = {}
    if only in (None, "launcher"):
        chosen["launcher"] = (installed.command(), DEBIAN_PYTHON, installed.paths())
    if only in (None, "venv"):
        venv_python = os.path.realpath(str(ROOT_DIR / ".venv/bin/python"))
        chosen["venv"] = (venv_command(), venv_python, venv_paths())
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", choices=("launcher", "venv"), help="one flavour only")
    args = parser.parse_args()
    for tool in ("debsums", "apt-config", "dpkg"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install debsums; `make test` installs it)")
    pip_python = debian_pip()
    if pip_python is None:
        sys.exit("Debian's pip is needed as the anchor: apt install python3-pip")
    root = os.geteuid() == 0
    scratch = Scratch()
    installed = Installed()
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PYGUARD_", "PIP_"))}
        config = scratch.top / "pyguard.conf"
        config.write_text("")  # the hooks on, whatever this host's config says
        warm_cache = scratch.fresh()
        env = dict(base, PYGUARD_CACHE_DIR=warm_cache, PYGUARD_CONFIG=str(config),
                   PYGUARD_LOG_FILE=str(scratch.top / "guard.log"),
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        packages, files = python_packages(DEBIAN_PYTHON, installed.paths())
        listing = scratch.top / "md5sums"
        listing.write_text("".join(f"{md5}  {path}\n" for md5, path in files),
                           encoding="utf-8", errors="surrogateescape")
        commands: Dict[str, Command] = {
            "pip check": Command([pip_python, "-m", "pip", "check"], env),
            "debsums -s": Command(["debsums", "-s", *packages], env, expect=(0, 1, 2)),
            "md5 floor": Command([DEBIAN_PYTHON, "-I", "-S", str(Path(__file__).with_name(
                "floor.py")), str(listing)], env, expect=(0,)),
            "pip --version": Command(["/usr/bin/pip", "--version"], env, expect=(0,)),
            "apt-config dump": Command(["apt-config", "dump"], env, expect=(0,)),
            "dpkg --audit": Command(["dpkg", "--audit"], env, expect=(0, 1)),
        }
        chosen = flavours(installed, args.only)
        for name, (command, python, paths) in chosen.items():
            commands[f"{name} doctor warm"] = Command([*command, "doctor", "--format", "json"], env)
            commands[f"{name} doctor empty cache"] = Command(
                [*command, "doctor", "--format", "json"], env, prepare=scratch.empty_cache)
            commands[f"{name} doctor examined again"] = Command(
                [*command, "doctor", "--format", "json"], env,
                prepare=lambda: scratch.examined_again(warm_cache))
            commands[f"{name} doctor after a dpkg change"] = Command(
                [*command, "doctor", "--format", "json"], env,
                prepare=lambda: scratch.examined_again(warm_cache, dpkg_changed=True))
            commands[f"{name} verification first run"] = Command(
                [*command, "doctor", "--only", "modified-debian-file", "--format", "json"], env,
                prepare=scratch.empty_cache)
            commands[f"{name} rules"] = Command([*command, "rules"], env, expect=(0,))
            commands[f"{name} explain"] = Command([*command, "explain", RULE], env, expect=(0,))
            launch = command if name == "launcher" else conf.python_launch(python, paths)
            commands[f"{name} pre-invoke hook"] = Command(
                ["/bin/sh", "-c", conf.command_line(launch, "pre-invoke")], env, expect=(0,))
            shim_root = scratch.top / f"shims-{name}"
            (shim_root / "usr/bin").mkdir(parents=True)  # shims for pip and pip3
            code, lines = shims.install(str(shim_root), python, paths)
            if code:
                sys.exit("\n".join(lines))
            shim_env = dict(env, PATH=f"{shim_root}/usr/local/sbin:/usr/bin:/bin")
            stub = scratch.top / f"stub-{name}"
            stub.mkdir()
            (stub / "pip").write_text("#!/bin/sh\nexit 0\n")
            (stub / "pip").chmod(0o755)
            stub_env = dict(env, PATH=f"{shim_root}/usr/local/sbin:{stub}:/usr/bin:/bin")
            shim = str(shim_root / "usr/local/sbin/pip")
            commands[f"{name} guard allowed (stub pip)"] = Command([shim, "--version"], stub_env,
                                                                   expect=(0,))
            if root:  # refusals happen as root only
                commands[f"{name} refusal warm"] = Command([shim, "install", PROJECT], shim_env,
                                                           expect=(1,), settle=scratch.index_built)
                commands[f"{name} refusal first run"] = Command(
                    [shim, "install", PROJECT], shim_env, expect=(1,), prepare=scratch.empty_cache,
                    settle=scratch.index_built)
        commands["stub pip"] = Command([str(scratch.top / f"stub-{next(iter(chosen))}" / "pip"),
                                        "--version"], env, expect=(0,))
        interleaved(commands, args.runs)
        print(report(commands, chosen, len(packages), args.runs, root))
        return 0
    finally:
        installed.remove()
        shutil.rmtree(scratch.top, ignore_errors=True)


def report(commands: Dict[str, Command], chosen, packages: int, runs: int, root: bool) -> str:
    m = {name: median(c.wall) for name, c in commands.items()}
    names = list(chosen)
    rows: List[Tuple[str, List[str], str, Optional[bool]]] = []

    def ratio_row(what: str, key: str, anchor: str, goal: float) -> None:
        cells, ok = [], True
        for flavour in names:
            value = m[f"{flavour} {key}"]
            r = value / m[anchor]
            cells.append(f"{value:.0f} ms, {r:.2f} ×")
            ok = ok and r <= goal
        rows.append((what, cells, f"≤ {goal:.2f} × {anchor}", ok))

    def ms_row(what: str, key: str, goal: float, note: str = "") -> None:
        cells, ok = [], True
        for flavour in names:
            value = m[f"{flavour} {key}"]
            cells.append(f"{value:.0f} ms")
            ok = ok and value <= goal
        rows.append((what, cells, note or f"≤ {goal:.0f} ms", ok))

    ratio_row("`pyguard doctor --format json`, cache warm (the kept run replayed)", "doctor warm",
              "pip check", 0.25)
    ratio_row("the same with an empty cache", "doctor empty cache", "pip check", 0.5)
    ratio_row("the same after a dpkg change (what it left valid kept)",
              "doctor after a dpkg change", "pip check", 0.5)
    ratio_row("the same examined again with the caches warm (a venv changed)",
              "doctor examined again", "pip check", 0.25)
    ratio_row(f"packaged-file verification, first run ({packages} packages)",
              "verification first run", "debsums -s", 0.4)
    floor = m["md5 floor"] / m["debsums -s"]
    rows.append(("its floor: bare `python3 -I -S` hashing the same files on both cores, "
                 "nothing else", [f"{m['md5 floor']:.0f} ms, {floor:.2f} ×"] * len(names),
                 "(what no Python verifier on this machine can beat)", None))
    if root:
        ms_row("pip guard refusal, first run (no apt index)", "refusal first run", 300)
        ms_row("pip guard refusal, warm", "refusal warm", 60, "keep (~51 ms)")
    cells = [f"+{m[f'{f} guard allowed (stub pip)'] - m['stub pip']:.0f} ms" for f in names]
    rows.append(("pip guard, allowed path added", cells, "keep (+10 ms)",
                 all(m[f"{f} guard allowed (stub pip)"] - m["stub pip"] <= 20 for f in names)))
    ms_row("apt pre-invoke hook, as apt runs it", "pre-invoke hook", 50)
    ms_row("`pyguard rules`", "rules", 60)
    ms_row(f"`pyguard explain {RULE}`", "explain", 60)
    cells, ok = [], True
    for flavour in names:
        rss = [max(commands[f"{flavour} doctor {k}"].rss) / 1024
               for k in ("warm", "examined again", "empty cache")]
        cells.append("{:.1f} MiB (examined again {:.1f}, empty cache {:.1f})".format(*rss))
        ok = ok and rss[1] <= 30
    rows.append(("peak RSS of doctor, warm", cells, "≤ 30 MiB examined again", ok))

    head = ["what", *names, "goal", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for what, cells, goal, ok in rows:
        verdict = "" if ok is None else "ok" if ok else "MISSED"
        lines.append("| " + " | ".join([what, *cells, goal, verdict]) + " |")
    anchors = ("pip check", "debsums -s", "pip --version", "apt-config dump", "dpkg --audit")
    lines.append("")
    lines.append("Anchors: " + ", ".join(f"{a} {m[a]:.0f} ms" for a in anchors) + ".")
    noisy = sorted(commands, key=lambda n: -spread(commands[n].wall))[:3]
    lines.append(f"{runs} runs each, interleaved and shuffled; medians. Noise (interquartile "
                 "range / median): " + ", ".join(f"{n} {spread(commands[n].wall):.0%}"
                                                   for n in noisy) + " the largest; median of all "
                 f"{median([spread(c.wall) for c in commands.values()]):.0%}.")
    lines.append(f"Machine: {machine()}.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
