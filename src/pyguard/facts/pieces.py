"""Optional parts of Debian's Python that people miss: venv/ensurepip, distutils, pip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from . import Facts
from .sites import login_homes

PIP_SCRIPTS = ("pip", "pip3")


@dataclass(frozen=True)
class Pieces:
    """What of the default interpreter's optional parts is on disk."""

    version: str
    """The default python3.X these facts are about ("3.11"); empty when unknown."""
    ensurepip: bool
    """/usr/lib/python3.X/ensurepip exists (python3.X-venv): "python3 -m venv" can work."""
    distutils_split: bool
    """The standard library has distutils/__init__.py but not distutils/core.py: this Python
    still has distutils (before 3.12) and Debian split the rest into python3-distutils."""
    distutils_complete: bool
    """distutils/core.py is there too."""
    debian_pip: bool
    """Debian's pip is installed (python3-pip, /usr/lib/python3/dist-packages/pip)."""
    pip_evidence: Tuple[str, ...]
    """Files showing that somebody runs a pip other than Debian's: pip scripts in /usr/local/bin
    or ~/.local/bin, pip itself installed in /usr/local or a user site (its metadata)."""

    @property
    def installs_from_pypi(self) -> bool:
        """Somebody on this system installs Python packages with pip, Debian's or another."""
        return self.debian_pip or bool(self.pip_evidence)


def gather_pieces(facts: Facts) -> Pieces:
    fs = facts.fs
    version = facts.defaults.default or (facts.python3.version or "")
    stdlib = f"/usr/lib/python{version}"
    ensurepip = bool(version) and fs.is_file(f"{stdlib}/ensurepip/__init__.py")
    has_init = bool(version) and fs.is_file(f"{stdlib}/distutils/__init__.py")
    has_core = bool(version) and fs.is_file(f"{stdlib}/distutils/core.py")
    debian_pip = facts.dpkg.is_installed("python3-pip") or bool(
        facts.dpkg.owners("/usr/lib/python3/dist-packages/pip"))
    evidence = []
    bins = ["/usr/local/bin"] + [f"{home}/.local/bin" for _, home in login_homes(fs)]
    for directory in bins:
        for entry in fs.listdir(directory):
            if entry in PIP_SCRIPTS or (entry.startswith("pip3.") and entry[5:].isdigit()):
                path = f"{directory}/{entry}"
                if not facts.dpkg.owners(path):
                    evidence.append(path)
    for site in facts.site_dirs:
        if site.kind not in ("local", "user"):
            continue
        contents = facts.site(site.path)
        for dist in contents.distributions if contents else ():
            if not dist.owners and dist.normalized_name == "pip":
                evidence.append(dist.metadata)
    return Pieces(version, ensurepip, has_init and not has_core, has_core, debian_pip,
                  tuple(evidence))


def default_version(facts: Facts) -> Optional[str]:
    return facts.get(gather_pieces).version or None
