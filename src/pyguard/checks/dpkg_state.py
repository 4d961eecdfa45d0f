"""Did dpkg finish its work on Python's packages, and can python3's postinst run at all?"""

from __future__ import annotations

from typing import Iterator, List

from ..aside import aside_label
from ..facts import Facts
from ..facts.dpkg import DPKG_DIR
from ..dpkg_journal import JOURNAL
from ..facts.unfinished import (STATUS_FILE, DpkgProgress, Unfinished, gather_dpkg_progress,
                                interpreter_debs, missing_dependencies)
from ..findings import Hit
from .interpreter import python3_alternatives, python3_link

JOURNAL_DIR = f"{DPKG_DIR}/{JOURNAL}"

STATE_WORDS = {
    "half-installed": "half-installed",
    "unpacked": "unpacked but not configured",
    "half-configured": "half-configured",
    "triggers-awaited": "waiting for triggers",
    "triggers-pending": "triggers pending",
}


def interrupted_python_packages(facts: Facts) -> Iterator[Hit]:
    """Python packages dpkg left unpacked, half-configured, or flagged for reinstallation."""
    progress = facts.get(gather_dpkg_progress)
    python = [u for u in progress.unfinished if u.python]
    if not python:
        return
    reinstall = tuple(u.apt_name for u in progress.unfinished if u.needs_reinstall)
    relink = facts.defaults.default if _python3_broken(facts) else ""
    missing = missing_dependencies(facts, progress.unfinished)
    yield Hit(
        subject=", ".join(u.name for u in python),
        evidence={"packages": tuple(_describe(u) for u in python),
                  "waiting": f" They wait for packages that are not installed: "
                             f"{', '.join(missing)}." if missing else "",
                  "reinstall": reinstall, "relink": relink,
                  "interpreter": interpreter_debs(facts) if relink else (),
                  "journal": "yes" if progress.journal else "",
                  "missing": missing, "configure": "" if missing else "yes"},
        paths=(STATUS_FILE,) + ((JOURNAL_DIR,) if progress.journal else ()),
    )


def stale_rtupdate_hooks(facts: Facts) -> Iterator[Hit]:
    """rtupdate hooks no installed package owns: python3's postinst still runs them."""
    progress = facts.get(gather_dpkg_progress)
    configure = "yes" if _configure_can_finish(facts, progress) else ""
    for hook in progress.hooks:
        if hook.owners or not hook.executable:
            continue  # python3's postinst skips hooks that are not executable
        name = hook.path.rsplit("/", 1)[1][: -len(".rtupdate")]
        yield Hit(
            subject=hook.path,
            evidence={"hook": hook.path, "name": name, "configure": configure,
                      "label": aside_label("rtupdate", name)},
            paths=(hook.path,),
        )


def _describe(package: Unfinished) -> str:
    words = [STATE_WORDS.get(package.state, package.state)] if package.state != "installed" else []
    if package.flag == "reinstreq":
        words.append("must be reinstalled")
    return f"{package.apt_name} ({', '.join(words)})"


def _python3_broken(facts: Facts) -> bool:
    """Whether /usr/bin/python3 is not Debian's default: maintainer scripts would fail."""
    return any(facts.hits(python3_link)) or any(facts.hits(python3_alternatives))


def _configure_can_finish(facts: Facts, progress: DpkgProgress) -> bool:
    """`dpkg --configure -a` is worth running now: work is pending and nothing blocks it."""
    pending: List[Unfinished] = [u for u in progress.unfinished if not u.needs_reinstall]
    blocked = any(u.needs_reinstall for u in progress.unfinished) or _python3_broken(facts)
    return bool(pending) and not blocked
