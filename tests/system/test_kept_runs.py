"""Kept runs and kept facts on a real root (pyguard.memo).

pyguard keeps only the running system's runs, so the installed /usr/bin/pyguard is run inside
the root, where it is the running system's. A login user's pip install into her own site after
a kept run must be found by the next run, exactly as a run with nothing kept finds it.
"""

from __future__ import annotations

import time
from typing import List, Tuple

from pyguard.cache import digest

from . import debpkg
from .realroot import RealRoot, version_of
from .test_shadowing import make_wheel

CACHE = "/var/cache/pyguard"
AS_ALICE = "runuser -u alice -- env HOME=/home/alice "


def kept(root: RealRoot) -> List[str]:
    """What is kept: the kinds of memo-KIND-INSTALLATION-ROOT.marshal in pyguard's cache."""
    return sorted(p.name[len("memo-"):].rsplit("-", 2)[0] for p in root.host(CACHE).glob("memo-*"))


def fresh(root: RealRoot) -> Tuple[int, dict]:
    """What doctor finds with an empty cache of its own: nothing kept to give again."""
    root.run("rm -rf /tmp/fresh-cache && mkdir -m 700 /tmp/fresh-cache")
    code, envelope, _ = debpkg.doctor_inside(root, env={"PYGUARD_CACHE_DIR": "/tmp/fresh-cache"})
    return code, envelope


def doctor(root: RealRoot) -> Tuple[int, dict]:
    code, envelope, result = debpkg.doctor_inside(root)
    assert result.stderr == ""
    return code, envelope


def test_a_users_pip_install_after_a_kept_run_is_found_by_the_next(installed) -> None:
    root = installed("bookworm")
    v = version_of(root)
    make_wheel(root.host("/tmp/wheels"), "gi", "1.2", {"gi/__init__.py": '"""gi from PyPI."""\n'})
    root.run("useradd -m -s /bin/bash alice && chmod -R a+rX /tmp/wheels")
    time.sleep(1.2)  # a run that saw a timestamp less than a second old keeps nothing
    first = doctor(root)
    assert first == fresh(root)
    sites = ["/usr/lib/python3/dist-packages", f"/usr/lib/python{v}",
             f"/usr/local/lib/python{v}/dist-packages"]
    assert kept(root) == sorted(["environment", "examine", "host", "root-shell", "venv-search"]
                                + [f"site-{digest(site)[:8]}" for site in sites])
    (memo,) = root.host(CACHE).glob("memo-examine-*")
    stamp = memo.stat().st_mtime_ns, memo.stat().st_ino
    assert doctor(root) == first
    assert (memo.stat().st_mtime_ns, memo.stat().st_ino) == stamp  # given again, not examined

    root.run(AS_ALICE + "python3 -m pip install --user --break-system-packages --no-index "
             "/tmp/wheels/gi-1.2-py3-none-any.whl")
    found = doctor(root)
    assert found == fresh(root)
    site = f"/home/alice/.local/lib/python{v}/site-packages"
    assert (found[0], [(f["rule"], f["subject"]) for f in found[1]["findings"]]) == (
        1, [("shadowed-debian-module-user", f"{site}:gi")])
    time.sleep(1.2)
    assert doctor(root) == found  # examined again: alice's site just changed, nothing was kept
    assert kept(root) == sorted(["environment", "examine", "host", "root-shell", "venv-search"]
                                + [f"site-{digest(s)[:8]}" for s in sites + [site]])
    assert doctor(root) == found
