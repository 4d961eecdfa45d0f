"""Start-up hooks: .pth import lines and sitecustomize/usercustomize modules nobody vetted."""

from __future__ import annotations

from typing import Dict, Iterator, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.startup import StartupHook, gather_startup_hooks
from ..facts.sites import DEBIAN_DIST_PACKAGES
from ..findings import Hit

DISTUTILS_HACK = "_distutils_hack"
DISTUTILS_PTH = "distutils-precedence.pth"

WHAT = {
    "pth": "a .pth file with a line that site.py executes",
    "sitecustomize": "a sitecustomize module",
    "usercustomize": "a usercustomize module",
}


def startup_hook(facts: Facts) -> Iterator[Hit]:
    """Hooks no package ships, and hooks that differ from what their package shipped."""
    hooks = facts.get(gather_startup_hooks).hooks
    moved_by = _moved_by_other_rules(facts)
    for hook in hooks:
        if hook.as_shipped:
            continue
        origin, move, reinstall, confmiss = _origin(facts, hook)
        note = _first_on_path(hook, hooks)
        other = moved_by.get(hook.path)
        if other is not None:
            rule, project = other
            note += (f" The repair of {rule} moves it aside with {project}." if project
                     else f" The repair of {rule} moves it aside.")
            move, reinstall, confmiss = (), (), ()
        yield Hit(
            subject=hook.path,
            evidence={
                "path": hook.path,
                "what": WHAT[hook.kind],
                "origin": origin,
                "who": _who(hook),
                "line": _line(hook),
                "note": " " + note.strip() if note.strip() else "",
                "move": move,
                "reinstall": reinstall,
                "confmiss": confmiss,
                "label": aside_label("startup-hook", hook.path.rsplit("/", 1)[1]),
            },
            paths=tuple(dict.fromkeys((hook.path,) + move)),
        )


def _origin(facts: Facts, hook: StartupHook) -> Tuple[str, Tuple[str, ...], Tuple[str, ...], Tuple[str, ...]]:
    """(sentence on where it comes from, paths to move aside, packages to reinstall, ditto
    with --force-confmiss)."""
    shipped = hook.shipped
    if shipped is None:
        project = _pip_project(facts, hook.path)
        if project:
            return f"No Debian package ships it; pip installed it with {project}.", (hook.path,), (), ()
        return "No Debian package ships it.", (hook.path,), (), ()
    package = shipped.package
    if shipped.state == "relinked":
        where = (f"{shipped.file}, which {package} does not ship" if not shipped.file_package
                 else f"{shipped.file} of {shipped.file_package}")
        return (f"{package} ships it as a link, but the link now leads to {where}.",
                (hook.path,), (package,), ())
    if shipped.state == "replaced":
        return (f"{package} ships it, but what is there now is not what dpkg installed.",
                (hook.path,), (package,), ())
    # modified: the file itself, or the file a shipped link leads to
    owner = shipped.file_package
    changed = ("its contents differ" if shipped.file == hook.path
               else f"{shipped.file}, which it leads to, differs")
    kind = "the configuration file" if shipped.conffile else "what"
    sentence = f"{owner} ships it, but {changed} from {kind} {owner} shipped."
    if shipped.conffile:
        return sentence, (shipped.file,), (), (owner,)
    return sentence, (shipped.file,), (owner,), ()


def _who(hook: StartupHook) -> str:
    versions = f"Python {hook.site.version}" if hook.site.version else "every Debian Python 3"
    if hook.site.kind == "user":
        return f"{versions} runs it in every program {hook.site.user} starts"
    if hook.kind == "usercustomize":
        return (f"{versions} runs it in every program whose user site is enabled, root's and"
                " Debian's own tools included")
    return f"{versions} runs it in every program, root's and Debian's own tools included"


def _line(hook: StartupHook) -> str:
    if hook.compiled:
        return "(compiled code)"
    if hook.line:
        return hook.line
    return "(no statement: an empty module)"


def _first_on_path(hook: StartupHook, hooks: Tuple[StartupHook, ...]) -> str:
    """A sitecustomize behind another one on sys.path is not imported today; say so."""
    if hook.kind == "pth":
        return ""
    for other in hooks:
        if other is hook:
            return ""
        if other.kind == hook.kind and other.site.version in (hook.site.version, None) \
                and _same_user(other, hook) and _before(other, hook):
            return (f" Today {other.path} comes first on sys.path and is imported instead; this one"
                    " takes over as soon as that one is gone.")
    return ""


def _same_user(a: StartupHook, b: StartupHook) -> bool:
    return a.site.kind != "user" or b.site.kind != "user" or a.site.user == b.site.user


SYS_PATH_ORDER = {"stdlib": 0, "lib-dynload": 1, "user": 2, "local": 3, "debian": 4, "stdlib-dist": 5}


def _before(a: StartupHook, b: StartupHook) -> bool:
    return SYS_PATH_ORDER.get(a.site.kind, 9) < SYS_PATH_ORDER.get(b.site.kind, 9)


def _pip_project(facts: Facts, path: str) -> str:
    for site in facts.site_dirs:
        if not path.startswith(site.path + "/"):
            continue
        contents = facts.site(site.path)
        for dist in contents.distributions if contents else ():
            if path in dist.record:
                return f"{dist.name} {dist.version}".strip()
    return ""


def _moved_by_other_rules(facts: Facts) -> Dict[str, Tuple[str, str]]:
    """Hook path -> (rule, project) for files another rule's repair already moves aside.

    Moving them here too would make the second tar fail on a missing file. stray-in-dist-packages
    moves every pip-installed project in Debian's dist-packages and every loose module there but
    .pth files; shadowed-debian-module and pip-in-usr-local move pip's projects in root's sites
    (~root/.local, /usr/local), shadowed-debian-module-user those of login users that hide a
    Debian module; distutils-hack moves an orphaned _distutils_hack with its .pth file.
    """
    from .stray import debian_modules, local_sites, root_sites, shadowing_copies, user_sites

    out: Dict[str, Tuple[str, str]] = {}
    debian = facts.site(DEBIAN_DIST_PACKAGES)
    if debian is not None:
        for dist in debian.distributions:
            if not dist.owners:
                for path in dist.record:
                    out.setdefault(path, ("stray-in-dist-packages", _project(dist)))
        for module in debian.modules:
            if not module.owners and not module.name.endswith(".pth"):
                out.setdefault(module.path, ("stray-in-dist-packages", ""))
    names = debian_modules(facts)
    local = {c.site.path for c in local_sites(facts)}
    root_sites = root_sites(facts)
    others = [c for c in user_sites(facts) if c not in root_sites]
    for contents, shadow_rule in [(c, "shadowed-debian-module") for c in root_sites] + \
            [(c, "shadowed-debian-module-user") for c in others]:
        shadowing = {id(d) for d, _, _ in shadowing_copies(contents, names) if d is not None}
        claimed = set()
        for dist in contents.distributions:
            claimed.update(dist.record)
            claimed.update(f"{contents.site.path}/{name}" for name in dist.top_level)
            if dist.owners:
                continue
            if id(dist) in shadowing:
                rule = shadow_rule
            elif contents.site.path in local:
                rule = "pip-in-usr-local"
            else:
                continue
            for path in dist.record:
                out.setdefault(path, (rule, _project(dist)))
        hack = f"{contents.site.path}/{DISTUTILS_HACK}"
        if contents in root_sites and facts.fs.is_dir(hack) and hack not in claimed \
                and not facts.dpkg.owners(hack):
            out.setdefault(f"{contents.site.path}/{DISTUTILS_PTH}", ("distutils-hack", DISTUTILS_HACK))
    return out


def _project(dist) -> str:
    return f"{dist.name} {dist.version}".strip()
