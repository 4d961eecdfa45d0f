"""Are the files of Debian's Python packages as dpkg unpacked them? (`dpkg -V`, per package)"""

from __future__ import annotations

from typing import Iterator, List, Set, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.verify import PackageFiles, gather_verification
from ..findings import Hit

PYTHON3 = "/usr/bin/python3"
MARKER = "EXTERNALLY-MANAGED"
SHOWN = 5
"""How many paths of each kind the prose names; paths and evidence hold them all."""


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
    from .hooks import startup_hook
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
        for hit in check(facts):
            excluded.update(hit.paths)
    for hit in stray_in_dist_packages(facts):
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
