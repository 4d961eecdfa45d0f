"""Venv snapshots: what each healthy virtual environment held, kept so a broken one can be remade.

Every `pyguard report` run records, for each venv that works (the venv rule's scan roots), the
projects its site-packages metadata names (NAME==VERSION, or how an editable or VCS install is
put back), the Python version pyvenv.cfg records and the pyvenv.cfg facts that say which venv it
was. Nothing in the venv is run. When an upgrade later breaks the venv, its metadata may be
partly gone or half-rewritten; venv-broken's repair then installs the snapshot's set instead and
says so ("as recorded on DATE").

Where: one JSON file per venv in the snapshot dir of the examined root, next to the report state
of that root (pyguard.report.state). Reading them, and which one the doctor uses, is a fact of the
examined system: pyguard.facts.snapshots.

Pruning: a snapshot file's mtime says when its venv was last seen to exist; a snapshot is removed
only when its venv's pyvenv.cfg has been gone for PRUNE_AFTER_DAYS. Not at once, since a venv
that is missing for one run may live on a file system that was not mounted (/home over NFS), be
outside this run's scan roots, or have been removed by hand by someone who then wants to know what
it held; not never, since deploy tools that make a new venv per release (/srv/app/releases/N/venv)
would make the state dir grow without end. A broken venv still exists, so its last healthy
snapshot is kept however old it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..facts.snapshots import FORMAT, SITE_KIND, read_host_file, snapshot_dir, snapshot_name

PRUNE_AFTER_DAYS = 90
DAY = 86400
FILE_MODE = 0o600
DIR_MODE = 0o700
"""Snapshots list what users' venvs in /home hold: readable by the state dir's owner only."""


def _day(stamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(stamp))


def encode(venv: Any, root: str, now: float) -> bytes:
    """A healthy Venv (pyguard.facts.venvs.Venv) as its snapshot file's contents."""
    doc: Dict[str, Any] = {
        "format": FORMAT,
        "root": root,
        "venv": venv.path,
        "time": now,
        "date": _day(now),
        "python": venv.made_with,
        "runs": venv.runs or "",
        "home": venv.home,
        "include_system_site_packages": venv.system_site_packages,
        "interpreter": venv.interpreter_target,
        "site_packages": list(venv.site_packages),
        "packages": _packages(venv.packages),
        "requirements": list(venv.requirements),
    }
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")


def _packages(packages: Iterable[Any]) -> List[Dict[str, str]]:
    """Each project as the snapshot keeps it; `hash` only where pip recorded one, so that
    snapshots without hashes read as before."""
    out = []
    for p in packages:
        entry = {"name": p.name, "version": p.version, "installer": p.installer,
                 "requirement": p.requirement}
        if p.hash:
            entry["hash"] = p.hash
        out.append(entry)
    return out


def encode_site(installation: Any, root: str, now: float) -> bytes:
    """What pip installed in a site outside any venv (pyguard.facts.installs.Installation) as
    its snapshot: the venv snapshot's format with kind "site" and the site instead of a venv."""
    doc: Dict[str, Any] = {
        "format": FORMAT,
        "kind": SITE_KIND,
        "root": root,
        "site": installation.site.path,
        "user": installation.site.user or "root",
        "time": now,
        "date": _day(now),
        "python": installation.version,
        "packages": _packages(installation.packages),
        "requirements": list(installation.requirements),
        "programs": [p.path for p in installation.programs],
    }
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")


def record_sites(installations: Iterable[Any], directory: str, root: str,
                 now: Optional[float] = None) -> List[str]:
    """Write a snapshot of each installation outside a venv into `directory`, beside the venvs'
    (record() keeps them while the site exists and prunes them as it prunes those)."""
    from .state import write_atomically

    now = time.time() if now is None else now
    try:
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
    except OSError as exc:
        return [f"pyguard: cannot keep snapshots in {directory}: {exc.strerror or exc}"]
    messages = []
    for installation in installations:
        path = os.path.join(directory, snapshot_name(installation.site.path))
        try:
            write_atomically(path, encode_site(installation, root, now), FILE_MODE)
        except OSError as exc:
            messages.append(f"pyguard: cannot write the snapshot of {installation.site.path} in "
                            f"{directory}: {exc.strerror or exc}")
    return messages


def record(fs: Any, venvs: Iterable[Any], directory: str, root: str,
           now: Optional[float] = None) -> List[str]:
    """Write a snapshot of every healthy venv into `directory` (see snapshot_dir), atomically
    each; touch the snapshots of venvs that still exist; prune those gone PRUNE_AFTER_DAYS.

    Returns messages for stderr (what could not be written); raises nothing for a bad file.
    """
    from .state import write_atomically

    now = time.time() if now is None else now
    messages: List[str] = []
    try:
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
    except OSError as exc:
        return [f"pyguard: cannot keep venv snapshots in {directory}: {exc.strerror or exc}"]
    written = set()
    found = set()
    for venv in venvs:
        name = snapshot_name(venv.path)
        found.add(name)
        if not venv.healthy:
            continue  # keep what it held while it worked
        try:
            write_atomically(os.path.join(directory, name), encode(venv, root, now), FILE_MODE)
            written.add(name)
        except OSError as exc:
            messages.append(f"pyguard: cannot write the snapshot of the venv {venv.path} in "
                            f"{directory}: {exc.strerror or exc}")
    try:
        names = os.listdir(directory)
    except OSError as exc:
        return messages + [f"pyguard: cannot read {directory}: {exc.strerror or exc}"]
    for name in sorted(names):
        path = os.path.join(directory, name)
        if name.startswith(".") and name.endswith(".tmp"):  # left by a run that was killed
            with contextlib.suppress(OSError):
                if now - os.lstat(path).st_mtime > DAY:
                    os.unlink(path)
            continue
        if name in written or not name.endswith(".json") or name.startswith("."):
            continue
        data = read_host_file(path)
        venv_path, site_path = _venv_of(data), _site_of(data)
        if name in found or (venv_path and fs.is_file(f"{venv_path}/pyvenv.cfg")) or \
                (site_path and fs.is_dir(site_path)):
            with contextlib.suppress(OSError):
                os.utime(path, (now, now))  # seen to exist today
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if now - st.st_mtime > PRUNE_AFTER_DAYS * DAY:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    return messages


def _venv_of(data: Optional[bytes]) -> str:
    """The venv path a snapshot file names, "" when it names none (corrupt: pruned by age)."""
    try:
        doc = json.loads(data.decode("utf-8")) if data is not None else None
    except (UnicodeDecodeError, ValueError):
        return ""
    venv = doc.get("venv") if isinstance(doc, dict) else None
    return venv if isinstance(venv, str) and venv.startswith("/") else ""


def _site_of(data: Optional[bytes]) -> str:
    """The site directory a site snapshot names, "" for anything else."""
    try:
        doc = json.loads(data.decode("utf-8")) if data is not None else None
    except (UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(doc, dict) or doc.get("kind") != SITE_KIND:
        return ""
    site = doc.get("site")
    return site if isinstance(site, str) and site.startswith("/") else ""


def record_root(root: str, configured_roots: Optional[Tuple[str, ...]],
                state_directory: str) -> List[str]:
    """Scan `root` for venvs as the venv rule does and record the healthy ones, and what pip
    installed outside venvs for a Python the system still runs (report runs, upgrade-check)."""
    from ..facts.dpkg import DpkgDatabase
    from ..facts.installs import find_installations, left_behind
    from ..facts.python import read_defaults
    from ..facts.venvs import find_venvs, venv_roots
    from ..rootfs import RootFS

    fs = RootFS(root)
    dpkg = DpkgDatabase(fs)
    venvs = find_venvs(fs, dpkg, venv_roots(configured=configured_roots))
    directory = snapshot_dir(state_directory, fs.root)
    messages = record(fs, venvs, directory, fs.root)
    if not os.path.isdir(directory):
        return messages  # record() said why
    default = read_defaults(fs).default
    kept = [i for i in find_installations(fs, dpkg)
            if i.version == default or not left_behind(fs, dpkg, i.version)]
    return messages + record_sites(kept, directory, fs.root)
