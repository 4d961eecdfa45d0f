"""Run one hook for apt: `pyguard hooks pre-invoke|post-invoke|post-update [--root DIR]
[--config FILE]`.

apt waits for the hook before and after every dpkg run, so cli.main sends this command line
here directly, without building the parser of every command (a quarter of the hook's time).
post-update runs after each successful `apt update`: it brings the pip guard's index of the
apt lists up to date then, so that no refusal waits for it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing's import is a tenth of a kept hook run; annotations are strings
    from typing import List, Optional

HOOKS = ("pre-invoke", "post-invoke", "post-update")


def fast(argv: List[str], record=None) -> Optional[int]:
    """Run the hook argv names (argv[0] is the hook), or None when argv is anything but the
    plain hook command line (--help, a mistake): the full parser then deals with it."""
    if not argv or argv[0] not in HOOKS:
        return None
    options = {"--root": "/", "--config": None}
    rest = argv[1:]
    while rest:
        name, equals, value = rest[0].partition("=")
        if name not in options:
            return None
        if not equals:
            if len(rest) < 2:
                return None
            value, rest = rest[1], rest[1:]
        options[name] = value
        rest = rest[1:]
    return hook(argv[0], options["--root"] or "/", options["--config"], record)


def hook(action: str, root: str, config_path: Optional[str], record=None) -> int:
    """Speak on stderr only when Python is broken or a release upgrade ahead breaks something;
    always exit 0, so that even a hand-written apt.conf line without `|| true` cannot make apt
    fail. `record` keeps the snapshots before an upgrade (pyguard.apthooks.upgrade).

    A silent run is kept with what it read, the config file included (pyguard.memo): apt runs
    the hooks around every dpkg run, mostly over an unchanged system, and the next one that
    finds all of it unchanged is silent at once. [ack] lines expire by the day: so does what
    is kept."""
    if action == "post-update":
        _say(_refresh_index(root, config_path))
        return 0
    import time

    from .. import memo
    from ..catalogue import rules_stamp

    where = os.path.realpath(root)
    key = (action, config_path, time.strftime("%Y-%m-%d"), rules_stamp())
    if os.path.isdir(root) and memo.recall(f"hook-{action}", where, key) == "":
        return 0
    with memo.Recording(f"hook-{action}", where, key) as recording:
        said = _hook(action, root, config_path, record)
    if not said:
        recording.keep("")
    _say(said)
    return 0


def _hook(action: str, root: str, config_path: Optional[str], record) -> str:
    from .. import config as config_module

    try:
        config = config_module.load(config_path)
    except config_module.ConfigError as exc:
        return f"pyguard: apt hook not run: {exc}\n"
    if not config.apt_hooks:
        return ""
    if not os.path.isdir(root):
        return f"pyguard: apt hook: --root {root}: no such directory\n"
    config_module.activate(config)
    said = _check(action, root, config)
    if action == "pre-invoke":
        said += _upgrade_warning(root, config, record)
    return said


def _refresh_index(root: str, config_path: Optional[str]) -> str:
    """After `apt update`: the pip guard's index of the apt lists brought up to date, reading
    again only the lists that changed, as command-not-found's own hook does for its index. Only
    where `pyguard guard install` placed the guard and on the system apt runs on (the index is
    kept in its cache), with the hooks on; silent unless the index could not be built."""
    from .. import config as config_module

    try:
        config = config_module.load(config_path)
    except config_module.ConfigError as exc:
        return f"pyguard: apt hook not run: {exc}\n"
    if not config.apt_hooks or os.path.realpath(root) != "/":
        return ""
    try:
        from ..guard import aptindex, shims

        if shims.load_state(root)["shims"]:
            aptindex.load(root)
    except Exception as exc:  # the hook must never break apt's run; a refusal builds it then
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        return (f"pyguard: the pip guard's index of the apt lists could not be brought up to "
                f"date: {type(exc).__name__}: {exc}\n")
    return ""


def _check(action: str, root: str, config) -> str:
    try:
        from . import check

        pre = action == "pre-invoke"
        outcome = check.check(root, check.PRE_RULES if pre else check.POST_RULES, config)
        return check.render_pre(outcome, os.geteuid() == 0) if pre else check.render_post(outcome)
    except Exception as exc:  # the hook must never break apt's run, whatever happens here
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        return (f"pyguard: apt hook could not check: {type(exc).__name__}: {exc} "
                "(pyguard doctor says more)\n")


def _upgrade_warning(root: str, config, record) -> str:
    """What a release upgrade ahead breaks (pyguard.apthooks.upgrade); its own failure is said
    apart, so it never hides what the check above found."""
    try:
        from .upgrade import warning

        return warning(root, config, record)
    except Exception as exc:
        if os.environ.get("PYGUARD_DEBUG"):
            raise
        return (f"pyguard: apt hook could not check the release upgrade ahead: "
                f"{type(exc).__name__}: {exc} (pyguard upgrade-check says more)\n")


def _say(text: str) -> None:
    """On apt's terminal: the lines escape values themselves; what is left non-printable (an
    exception's message naming a path) is escaped here, newlines kept."""
    if not text:
        return
    from ..render.escape import printable_lines

    if hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(errors="backslashreplace")
    sys.stderr.write(printable_lines(text))
    sys.stderr.flush()
