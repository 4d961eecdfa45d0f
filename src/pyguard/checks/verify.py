"""Are the files of Debian's Python packages as dpkg unpacked them? (`dpkg -V`, per package)"""

from __future__ import annotations

import re
import stat
from typing import Iterable, Iterator, List, Set, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.verify import PackageFiles, gather_verification
from ..findings import Hit

PYTHON3 = "/usr/bin/python3"
MARKER = "EXTERNALLY-MANAGED"
SHOWN = 5
"""How many paths of each kind the prose names; paths and evidence hold them all."""

CODE = re.compile(r"\.(py|pyc|pth|sh|pl)$|\.so(\.[0-9]+)*$")
PROGRAM_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/libexec/", "/usr/games/")
CERTIFICATE = re.compile(r"\.(pem|crt|cer|der|p7b)$")
CONSEQUENCES = {
    "code": "Python programs run as root, Debian's own tools among them, import whatever is on "
            "disk now: a missing module breaks them, an edited one runs code Debian never "
            "shipped.",
    "configuration": "Configuration files are read as they are now: a missing or edited one "
                     "makes the programs that read it behave other than Debian configured them.",
    "certificate": "Certificate files decide which servers TLS connections trust: a missing one "
                   "makes those connections fail, an edited one makes them trust certificates "
                   "Debian never shipped.",
    "data": "Data files are read as they are now: a missing one breaks what needs it, an edited "
            "one changes what the programs that read it get.",
}
"""What a missing or edited file of each kind does, in the order the detail says them."""


def modified_debian_file(facts: Facts) -> Iterator[Hit]:
    verification = facts.get(gather_verification)
    if not verification.broken:
        return
    excluded = reported_elsewhere(facts)
    for result in verification.broken:
        missing = [p for p in result.missing + result.missing_conffiles if p not in excluded]
        changed = [p for p in result.changed + result.changed_conffiles if p not in excluded]
        if not missing and not changed:
            continue
        conffiles = tuple(p for p in result.missing_conffiles + result.changed_conffiles
                          if p not in excluded)
        package = result.package
        yield Hit(
            subject=package,
            evidence={
                "package": package,
                "state": _state(result, excluded),
                "missing": tuple(missing),
                "changed": tuple(changed),
                "conffiles": conffiles,
                "consequence": consequence(facts, missing + changed, set(conffiles)),
                "reinstall": "" if conffiles else package,
                "confreinstall": package if conffiles else "",
                "label": aside_label(package, "changed"),
            },
            paths=tuple(sorted(missing + changed)),
        )


def reported_elsewhere(facts: Facts) -> Set[str]:
    """Paths that a more specific rule reports, with a repair that restores them.

    pep668-marker: each stdlib's EXTERNALLY-MANAGED; extension-abi: the default Python's
    build of a Debian extension module when it is gone; python3-link and python3-alternatives:
    /usr/bin/python3 and the interpreter it should run; stray-in-dist-packages: Debian files a
    pip install in dist-packages overwrote; startup-hook: Debian's .pth files and
    sitecustomize modules (conffiles included) that were changed.
    """
    from .extensions import owned_extensions, tag
    from .startup import startup_hook
    from .interpreter import python3_alternatives, python3_link
    from .stray import stray_in_dist_packages

    excluded = {PYTHON3}
    excluded.update(f"{i.stdlib}/{MARKER}" for i in facts.interpreters)
    default = facts.defaults.default
    if default:
        for tags in owned_extensions(facts).values():
            shipped = tags.get(tag(default))
            if shipped and not facts.fs.is_file(shipped):
                excluded.add(shipped)
    for check in (python3_alternatives, python3_link, startup_hook):
        for hit in facts.hits(check):
            excluded.update(hit.paths)
    for hit in facts.hits(stray_in_dist_packages):
        excluded.update(hit.evidence.get("replaced", ()))
    return excluded


def _state(result: PackageFiles, excluded: Set[str]) -> str:
    """The problems as sentences: "Missing: a, b. Changed: c. Changed configuration file: d."""
    parts: List[Tuple[str, Tuple[str, ...]]] = [
        ("Missing", result.missing), ("Changed", result.changed),
        ("Missing configuration file", result.missing_conffiles),
        ("Changed configuration file", result.changed_conffiles),
    ]
    sentences = []
    for what, paths in parts:
        kept = [p for p in paths if p not in excluded]
        if not kept:
            continue
        shown = ", ".join(kept[:SHOWN])
        more = f" and {len(kept) - SHOWN} more" if len(kept) > SHOWN else ""
        plural = "s" if what.endswith("file") and len(kept) > 1 else ""
        sentences.append(f"{what}{plural}: {shown}{more}.")
    return " ".join(sentences)


def consequence(facts: Facts, paths: Iterable[str], conffiles: Set[str]) -> str:
    """What the missing and changed files do, a sentence for each kind among them: code (a
    module, an extension, a program or script), configuration, certificates, other data. A
    .pem of pip's certifi is no code; saying "runs code Debian never shipped" of it is wrong."""
    shipped_as = {d.divert_to: d.path for d in facts.dpkg.diversions.values()}
    kinds = {file_kind(facts, path, shipped_as.get(path, path), path in conffiles)
             for path in paths}
    return " ".join(text for kind, text in CONSEQUENCES.items() if kind in kinds)


def file_kind(facts: Facts, path: str, shipped_as: str, conffile: bool) -> str:
    """code, configuration, certificate or data, from the name and place the package gave the
    file (`shipped_as`: not where a diversion moved it) and its mode (a file that is gone is
    judged by its name and place alone)."""
    name = shipped_as.rsplit("/", 1)[-1]
    if CODE.search(name) or shipped_as.startswith(PROGRAM_DIRS):
        return "code"
    st = facts.fs.lstat(path)
    if st is not None and stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
        return "code"
    if CERTIFICATE.search(name):
        return "certificate"
    if conffile or shipped_as.startswith("/etc/"):
        return "configuration"
    return "data"
