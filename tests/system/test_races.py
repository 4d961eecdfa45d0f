"""A user who swaps her directories for links while pyguard works, on a real root.

alice owns her user site. While doctor and fix run as root, she swaps it for a symlink to a
directory outside the examined root and back, as fast as she can. pyguard resolves every path
inside the root and opens each directory by descriptor, so whatever moment it looks, it sees her
real site or a link that leads nowhere inside the root: never the directory outside.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from .realroot import RealRoot, pyguard, version_of
from .test_shadowing import make_wheel

MARKER = "outsidemarker"


def outside_site(directory: Path) -> Path:
    """A site directory outside the root whose every name says where it is."""
    site = directory / "site-packages"
    (site / f"{MARKER}-6.6.dist-info").mkdir(parents=True)
    (site / f"{MARKER}-6.6.dist-info/METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {MARKER}\nVersion: 6.6\n")
    (site / f"{MARKER}-6.6.dist-info/RECORD").write_text(f"gi/__init__.py,,\n{MARKER}.py,,\n")
    (site / f"{MARKER}-6.6.dist-info/top_level.txt").write_text("gi\n")
    (site / "gi").mkdir()
    (site / "gi/__init__.py").write_text(f"# {MARKER}\n")
    (site / f"{MARKER}.py").write_text(f"# {MARKER}\n")
    return site


def snapshot(directory: Path) -> dict:
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None
            for p in sorted(directory.rglob("*"))}


def swapping(site: Path, outside: Path, stop: threading.Event, swaps: list) -> None:
    aside = site.with_name("site-packages.real")
    while not stop.is_set():
        os.rename(site, aside)
        os.symlink(str(outside), site)
        time.sleep(0.001)
        os.unlink(site)
        os.rename(aside, site)
        swaps[0] += 1
        time.sleep(0.001)


def test_a_site_swapped_for_a_link_outside_is_never_read_or_moved(real_root, tmp_path) -> None:
    root: RealRoot = real_root("bookworm")
    v = version_of(root)
    make_wheel(root.host("/tmp/wheels"), "gi", "1.2", {"gi/__init__.py": '"""gi from PyPI."""\n'})
    root.run("useradd -m -s /bin/bash alice && chmod -R a+rX /tmp/wheels")
    root.run("runuser -u alice -- env HOME=/home/alice python3 -m pip install --user "
             "--break-system-packages --no-index /tmp/wheels/gi-1.2-py3-none-any.whl")
    site = root.host(f"/home/alice/.local/lib/python{v}/site-packages")
    outside = outside_site(tmp_path / "outside")
    before = snapshot(tmp_path / "outside")

    stop, swaps = threading.Event(), [0]
    thread = threading.Thread(target=swapping, args=(site, outside, stop, swaps))
    outputs = []
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            outputs.append(pyguard(root, "doctor", "--format", "json").stdout)
        outputs.append(pyguard(root, "fix", "--yes", "--format", "json").stdout)
    finally:
        stop.set()
        thread.join()

    subjects = {f["subject"] for out in outputs[:-1] for f in json.loads(out)["findings"]}
    assert [out for out in outputs if MARKER in out or str(tmp_path) in out] == []
    assert snapshot(tmp_path / "outside") == before
    assert subjects <= {f"/home/alice/.local/lib/python{v}/site-packages:gi"}
    assert swaps[0] > 0 and len(outputs) > 2
