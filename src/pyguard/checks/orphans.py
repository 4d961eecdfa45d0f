"""After a release upgrade: what pip installed for a Python the system no longer runs.

/usr/local/lib/python3.11/dist-packages and ~/.local/lib/python3.11/site-packages stay behind
when Debian 13 makes python3 run Python 3.13: nothing run with python3 finds them any more. Their
projects are put back the way PEP 668 asks for, in a virtual environment of their own (made and
filled by whoever controls the site, from its snapshot where one was recorded), never into the
system interpreter; the programs pip wrote for them become links into that venv.
"""

from __future__ import annotations

from typing import Iterator

from ..aside import aside_label
from ..facts import Facts
from ..facts.installs import (Installation, left_behind, read_installation,
                               site_dirs_on_disk)
from ..facts.snapshots import find_site_snapshot
from ..facts.sites import normalize
from ..facts.venvs import PROVIDED_BY_VENV
from ..findings import Hit
from ..rootfs import RootFS
from .rebuild import left_out

VENV_PACKAGE = "python3-venv"
LOCAL_VENVS = "/opt/venvs"
USER_VENVS = ".venvs"


def orphaned_site(facts: Facts) -> Iterator[Hit]:
    default = facts.defaults.default
    if not default:
        return
    running = {default, facts.python3.version or default}
    no_ensurepip = not facts.fs.is_dir(f"/usr/lib/python{default}/ensurepip")
    for site_dir in site_dirs_on_disk(facts.fs):  # read only the sites of other Pythons
        if site_dir.version in running:
            continue
        installation = read_installation(facts.fs, facts.dpkg, site_dir)
        why = left_behind(facts.fs, facts.dpkg, site_dir.version or "") if installation else ""
        if installation is None or not why:
            continue
        site = installation.site.path
        snapshot = find_site_snapshot(facts.fs, site)
        packages = snapshot.packages if snapshot is not None else installation.packages
        source = f"as recorded on {snapshot.date}" if snapshot else "read from its metadata"
        wanted = tuple(p for p in packages if normalize(p.name) not in PROVIDED_BY_VENV)
        withheld = left_out(facts, site, (site,), wanted, "the site's owner")
        requirements = tuple(p.requirement for p in wanted if p.requirement not in withheld)
        venv = venv_for(facts.fs, installation)
        yield Hit(
            subject=site,
            evidence={
                "site": site, "version": installation.version, "default": default,
                "why": why,
                "projects": tuple(f"{p.name} {p.version}" for p in packages),
                "programs": _programs(installation),
                "source": source,
                "move": installation.moves,
                "label": aside_label("usr-local" if installation.site.kind == "local" else
                                     f"user-site-{installation.site.user}",
                                     f"python{installation.version}"),
                "venv": venv,
                "requirements": requirements,
                "links": tuple(p.path for p in installation.programs),
                "venv_package": VENV_PACKAGE if no_ensurepip else "",
                "withheld": "".join(f"; left out: {p.name} {p.version}, {withheld[p.requirement]}"
                                    for p in wanted if p.requirement in withheld),
            },
            paths=(site,) + tuple(p.path for p in installation.programs))


def venv_for(fs: RootFS, installation: Installation) -> str:
    """Where a left-behind site's projects go: /opt/venvs/usr-local-python3.X for /usr/local,
    ~/.venvs/user-site-python3.X for a user's; a name already taken gets -2, -3, ..."""
    if installation.site.kind == "local":
        base = f"{LOCAL_VENVS}/usr-local-python{installation.version}"
    else:
        home = installation.prefix.rsplit("/.local", 1)[0]
        base = f"{home}/{USER_VENVS}/user-site-python{installation.version}"
    name, number = base, 1
    while fs.lstat(name) is not None and not fs.is_file(f"{name}/pyvenv.cfg"):
        number += 1
        name = f"{base}-{number}"
    return name


def _programs(installation: Installation) -> str:
    """The programs pip wrote for the projects: its scripts fail as the projects do; a program
    without a #! line (uv's binary, a wheel's compiled tool) runs without Python, and goes with
    its project all the same."""
    scripts = [p.path for p in installation.programs if p.interpreter]
    others = [p.path for p in installation.programs if not p.interpreter]
    text = (" Programs pip wrote for them, which fail the same way: " + ", ".join(scripts) + "."
            if scripts else "")
    if len(others) == 1:
        text += (f" {others[0]}, a program pip wrote for them that needs no Python, goes with "
                 "them all the same.")
    elif others:
        text += (f" {', '.join(others)}, programs pip wrote for them that need no Python, go "
                 "with them all the same.")
    return text
