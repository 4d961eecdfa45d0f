"""The wheel carries the rule files, and an installed pyguard finds them there (not in a checkout)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(PROJECT)], check=True)
    (built,) = out.glob("pyguard-*.whl")
    return built


def test_the_wheel_holds_every_rule_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        packaged = {Path(n).name: archive.read(n) for n in archive.namelist()
                    if n.startswith("pyguard/rules/")}
    assert packaged == {p.name: p.read_bytes() for p in (PROJECT / "rules").iterdir()
                        if p.suffix in (".rule", ".deb822")}  # the rules and the release table


def test_an_installed_wheel_finds_its_rules(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(site), str(wheel)], check=True)
    # -S: no site module, so the checkout's editable install cannot leak in; the dependencies
    # come from this venv's site-packages, named explicitly.
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{sysconfig.get_paths()['purelib']}"}
    env.pop("PYGUARD_RULES", None)
    listed = subprocess.run([sys.executable, "-S", "-m", "pyguard", "rules"], env=env,
                            capture_output=True, text=True, cwd=tmp_path)
    where = subprocess.run([sys.executable, "-S", "-c", "import pyguard.rules as r; print(r.rule_dirs())"],
                           env=env, capture_output=True, text=True, cwd=tmp_path)
    assert (listed.returncode, listed.stderr, where.stdout) == (0, "", f"['{site}/pyguard/rules']\n")
    table = listed.stdout.split("\n\n")[0].splitlines()  # the header, then a row per rule
    assert [line.split()[0] for line in table[1:] if line[:1].strip()] == [
        p.stem for p in sorted((PROJECT / "rules").glob("*.rule"), key=_order)]


def _order(path: Path):
    for line in path.read_text().splitlines():
        if line.startswith("Order:"):
            return int(line.split(":", 1)[1]), path.stem
    raise AssertionError(f"{path} has no Order")
