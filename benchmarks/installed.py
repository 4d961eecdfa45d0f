"""Benchmarks measure pyguard as it runs once installed."""

from __future__ import annotations

import os
import subprocess
import sys


def byte_compile_pyguard() -> None:
    """Compile pyguard's modules as an install does (pip for a wheel, py3compile for the .deb).

    A checkout run with PYTHONDONTWRITEBYTECODE=1 (as on this machine) would otherwise compile
    every module from source on every run, which no installed pyguard does; pip, the tool we
    compare with, is byte-compiled too.
    """
    import pyguard

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(pyguard.__file__)],
                   check=True, env={k: v for k, v in os.environ.items()
                                    if k != "PYTHONDONTWRITEBYTECODE"})
