"""The refusal: what was refused and why, and for each requested project what to do instead.

Plain text for stderr (a refusal is read in a terminal or a log, never parsed): the Debian
package with the version apt would install and the exact `apt install`; `pipx install` for an
application; a virtual environment for a project's libraries (with `apt install python3-venv`
when ensurepip is missing); and how to override on purpose.
"""

from __future__ import annotations

import os
import shlex
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

from . import names as _names
from .main import OVERRIDE_FLAG

ROOT = "/"
WIDTH = 78


def _q(args: Sequence[str]) -> str:
    return shlex.join(list(args))


def requested(pip) -> Tuple[List[str], List[str], List[str]]:
    """(project names, things that are no project name, notes) a pip call asks for."""
    projects: List[str] = []
    others: List[str] = []
    notes: List[str] = []
    args = list(pip.args) + list(pip.values("--editable"))
    for arg in args:
        name = _names.requirement_name(arg)
        (projects.append(name) if name else others.append(arg))
    for path in pip.values("--requirement"):
        try:
            for line, name in _names.requirements_file(path):
                (projects.append(name) if name else others.append(line))
        except OSError as exc:
            notes.append(f"could not read {path}: {exc.strerror or exc}")
    return _names.unique(projects), others, notes


def installed_versions(packages: Sequence[str], root: Optional[str] = None) -> Dict[str, str]:
    """Version of each of `packages` that dpkg has installed (from /var/lib/dpkg/status, and
    its journal where a killed dpkg left one, as dpkg reads them)."""
    root = ROOT if root is None else root
    found: Dict[str, str] = {}
    if not packages:
        return found
    try:
        with open(os.path.join(root, "var/lib/dpkg/status"), "rb") as f:
            data = b"\n" + f.read()
    except OSError:
        return found
    if _journal_left(root):
        data = b"\n" + _with_journal(root, data[1:])
    for package in packages:
        needle = b"\nPackage: " + package.encode() + b"\n"
        start = data.find(needle)
        while start >= 0:
            end = data.find(b"\n\n", start + 1)
            stanza = data[start:end if end >= 0 else len(data)]
            if b"\nStatus: install ok installed" in stanza:
                for line in stanza.split(b"\n"):
                    if line.startswith(b"Version: "):
                        found[package] = line[9:].decode("utf-8", "replace").strip()
                break
            start = data.find(needle, start + 1)
    return found


def _journal_left(root: str) -> bool:
    """Whether a killed dpkg left records in updates/: one listing, where most runs stop."""
    try:
        return any(name.isascii() and name.isdigit()
                   for name in os.listdir(os.path.join(root, "var/lib/dpkg/updates")))
    except OSError:
        return False


def _with_journal(root: str, status: bytes) -> bytes:
    """The status file with the journal's records in place, read as doctor reads them."""
    from ..dpkg_journal import journal_names, journal_records, with_journal
    from ..rootfs import RootFS

    with RootFS(root) as fs:
        records = journal_records(fs, "/var/lib/dpkg", journal_names(fs, "/var/lib/dpkg"))
    text = with_journal(status.decode("utf-8", "surrogateescape"), records)
    return text.encode("utf-8", "surrogateescape")


def default_python(root: Optional[str] = None) -> str:
    """"3.11" from the /usr/bin/python3 link, or ""."""
    root = ROOT if root is None else root
    base = os.path.basename(os.path.realpath(os.path.join(root, "usr/bin/python3")))
    return base[6:] if base.startswith("python3.") else ""


def venv_missing(version: str, root: Optional[str] = None) -> Optional[str]:
    """The Debian package to install before `python3 -m venv` works, or None."""
    root = ROOT if root is None else root
    if not version:
        version = default_python(root)
    if not version:
        return None
    if os.path.isfile(os.path.join(root, f"usr/lib/python{version}/ensurepip/__init__.py")):
        return None
    return "python3-venv" if version == default_python(root) else f"python{version}-venv"


def _index(projects: Sequence[str]):
    from . import aptindex
    try:
        index = aptindex.load_for(ROOT, projects)
    except Exception as exc:  # no python-debian, unreadable lists: say so, advise anyway
        return None, f"the apt lists could not be read ({type(exc).__name__}: {exc})"
    if not index.get("lists"):
        return index, "apt has no package lists here: run `apt update` to see Debian's packages"
    return index, ""


def refusal(decision, prog: str, argv: Sequence[str], env) -> str:
    from .aptindex import lookup

    sudo = "sudo " if env.get("SUDO_USER") else ""
    pip = decision.pip
    import textwrap
    out: List[str] = [f"pyguard: refused `{_q([*prog.split(), *argv])}`:"]
    out += textwrap.wrap(decision.why[:1].upper() + decision.why[1:] + ".", WIDTH,
                         initial_indent="  ", subsequent_indent="  ")
    if decision.code == "system" and pip is not None and pip.command == "install":
        out += ["  pip would put it in {0}, which comes before Debian's".format(decision.writes_to),
                "  /usr/lib/python3/dist-packages on sys.path: every Python program run as root,",
                "  apt's own tools included, would import pip's copy instead of the version Debian",
                "  built and tested with the rest of the system."]
    for bypass in decision.bypass:
        if bypass.startswith("--"):
            out.append(f"  {bypass} only silences pip's own check (PEP 668); it does not make this safe.")
        else:
            out.append(f"  {bypass} is set in the environment; it only silences pip's own check (PEP 668).")

    venv = env.get("VIRTUAL_ENV", "")
    if venv and decision.code in ("system", "user-site"):
        out += [f"  VIRTUAL_ENV is {venv}, but this pip is the system's (sudo resets PATH): use that",
                f"  environment's own pip, as your own user: {shlex.quote(venv.rstrip('/') + '/bin/pip')} ..."]
    projects: List[str] = []
    others: List[str] = []
    if pip is not None and pip.command in ("install", "uninstall"):
        projects, others, notes = requested(pip)
        out += [f"  ({n})" for n in notes]

    version = ""
    if pip is not None:
        for value in pip.values("--python"):
            version = os.path.basename(value)[6:] if os.path.basename(value).startswith("python3.") else ""
    python = f"python{version}" if version and version != default_python() else "python3"

    if pip is not None and pip.command == "uninstall":
        out += _uninstall_advice(projects, sudo)
    elif projects or others:
        index, problem = _index(projects)
        offers = [lookup(index, p) for p in projects] if index is not None else []
        out += ["", "Instead:"]
        if problem:
            out.append(f"  ({problem})")
        debs = [o.app or o.package for o in offers if o.package or o.app]  # a command: its package
        installed = installed_versions(sorted({p for o in offers for p in (o.app, o.package) if p}))
        for offer in offers:
            out += _offer_lines(offer, installed)
        for other in others:
            out.append(f"  {other}: not a name from PyPI; install it in a virtual environment")
        to_install = [d for d in dict.fromkeys(debs) if d not in installed]
        if to_install:
            out += ["", "  Debian's packages (updated with the rest of the system):",
                    f"    $ {sudo}apt install {_q(to_install)}"]
        apps = [o for o in offers if o.app]
        if apps:
            out += ["", "  A command-line application, isolated from the system, as your own user:"]
            if not shutil.which("pipx"):
                out.append(f"    $ {sudo}apt install pipx")
            out += [f"    $ pipx install {shlex.quote(o.project)}" for o in apps]
        app_names = {_names.normalize(o.project) for o in offers if o.app}
        venv_args = [f"-r {shlex.quote(p)}" for p in pip.values("--requirement")]
        venv_args += [f"-e {shlex.quote(p)}" for p in pip.values("--editable")]
        venv_args += [shlex.quote(a) for a in pip.args
                      if _names.normalize(_names.requirement_name(a) or "") not in app_names]
        if venv_args:
            out += ["", "  Libraries for a project of your own, in a virtual environment, as your own user:"]
            missing = venv_missing(version)
            if missing:
                out.append(f"    $ {sudo}apt install {missing}")
            out += [f"    $ {python} -m venv .venv",
                    f"    $ .venv/bin/pip install {' '.join(venv_args)}"]

    words = list(argv)
    command = pip.command if pip is not None else next(
        (a.lower() for a in words if not a.startswith("-")), "")
    at = next((i + 1 for i, a in enumerate(words) if command and a.lower() == command), 0)
    override = [*prog.split(), *words[:at], OVERRIDE_FLAG, *words[at:]]
    out += ["", "On purpose anyway (logged):", f"    $ {sudo}{_q(override)}"]
    if (decision.code == "system" and pip is not None and pip.command == "install"
            and not decision.bypass):
        out.append("  pip applies PEP 668 on its own as well: if it then says "
                   "externally-managed-environment,")
        out.append("  add --break-system-packages too.")
    return "\n".join(out) + "\n"


def _offer_lines(offer, installed: Dict[str, str]) -> List[str]:
    lines = []
    for package, version, kind in ((offer.package, offer.version, "library"),
                                   (offer.app, offer.app_version, "application")):
        if not package:
            continue
        state = (f"already installed: {installed[package]}" if package in installed else "not installed")
        lines.append(f"  {offer.project}: Debian's {kind} package {package} {version} ({state})")
    if not lines:
        lines.append(f"  {offer.project}: no Debian package found in the apt lists")
    return lines


def _uninstall_advice(projects: List[str], sudo: str) -> List[str]:
    out = ["", "Instead:"]
    if projects:
        from .aptindex import lookup
        index, problem = _index(projects)
        offers = [lookup(index, p) for p in projects] if index is not None else []
        debs = [o.package or o.app for o in offers if o.package or o.app]
        installed = installed_versions(sorted(set(debs)))
        ours = [d for d in dict.fromkeys(debs) if d in installed]
        if ours:
            out += ["  Debian's packages are removed with apt, which says first what depends on them:",
                    f"    $ {sudo}apt remove {_q(ours)}"]
    out += ["  What pip put under /usr/local is listed, with the exact commands to move it aside, by:",
            f"    $ {sudo}pyguard doctor"]
    return out
