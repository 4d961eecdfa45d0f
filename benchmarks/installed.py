"""Benchmarks measure pyguard as it runs once installed.

Two ways, both byte-compiled:
- `Installed`: as the Debian package installs it. This checkout's src/pyguard copied into a
  temporary prefix, byte-compiled by Debian's /usr/bin/python3 (py3compile does the same at
  install time), the rule files beside it, and a copy of launcher/pyguard that finds that copy
  before /usr/lib/python3/dist-packages. It runs exactly as /usr/bin/pyguard does: the shell
  launcher probes Debian's interpreter, then runs it with -I -S -B.
- the project's venv (.venv/bin/pyguard), compiled by the venv's interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

ROOT_DIR = Path(__file__).resolve().parents[1]
SRC = ROOT_DIR / "src"
DEBIAN_PYTHON = "/usr/bin/python3"
DIST = "/usr/lib/python3/dist-packages"


def _compile_env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def byte_compile_pyguard() -> None:
    """Compile pyguard's modules as an install does (pip for a wheel, py3compile for the .deb).

    A checkout run with PYTHONDONTWRITEBYTECODE=1 (as on this machine) would otherwise compile
    every module from source on every run, which no installed pyguard does; pip, the tool we
    compare with, is byte-compiled too.
    """
    import pyguard

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(pyguard.__file__)],
                   check=True, env=_compile_env())


def venv_command() -> List[str]:
    """pyguard as the project's venv runs it (its console script), byte-compiled."""
    venv_python = ROOT_DIR / ".venv" / "bin" / "python"
    script = ROOT_DIR / ".venv" / "bin" / "pyguard"
    if not script.exists():
        sys.exit("no .venv/bin/pyguard: run `make venv` first")
    subprocess.run([str(venv_python), "-m", "compileall", "-q", str(SRC / "pyguard")],
                   check=True, env=_compile_env())
    return [str(script)]


class Installed:
    """pyguard installed into a temporary prefix as the .deb lays it out; remove() cleans up."""

    def __init__(self, python: str = DEBIAN_PYTHON) -> None:
        if not os.access(python, os.X_OK):
            sys.exit(f"{python} is needed: the launcher runs Debian's own interpreter")
        self.prefix = Path(tempfile.mkdtemp(prefix="pyguard-installed-"))
        self.dist = self.prefix / "dist"
        shutil.copytree(SRC / "pyguard", self.dist / "pyguard",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        # rules.rule_dirs() finds <prefix>/rules beside <prefix>/dist/pyguard, as it finds a
        # checkout's rules/ (the .deb's /usr/share/pyguard/rules is the same data)
        shutil.copytree(ROOT_DIR / "rules", self.prefix / "rules")
        subprocess.run([python, "-m", "compileall", "-q", str(self.dist)], check=True,
                       env=_compile_env())
        self.launcher = self.prefix / "pyguard"
        text = (ROOT_DIR / "launcher" / "pyguard").read_text()
        old = '''"/usr/lib/python%s/lib-dynload" % v, "'"$DIST"'"]'''
        if old not in text:
            sys.exit("launcher/pyguard's sys.path line changed: update benchmarks/installed.py")
        self.launcher.write_text(text.replace(
            old, f'''"/usr/lib/python%s/lib-dynload" % v, "{self.dist}", "'"$DIST"'"]'''))
        self.launcher.chmod(0o755)
        self.python = python

    def command(self) -> List[str]:
        return [str(self.launcher)]

    def paths(self) -> List[str]:
        """sys.path entries a shim or hook of this install adds (pyguard's, python-debian's)."""
        return [str(self.dist), DIST]

    def remove(self) -> None:
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> "Installed":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def debian_pip() -> Optional[str]:
    """Debian's own pip for its interpreter (python3-pip), if installed."""
    done = subprocess.run([DEBIAN_PYTHON, "-c", "import pip"], capture_output=True)
    return DEBIAN_PYTHON if done.returncode == 0 else None
