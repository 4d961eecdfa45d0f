"""What pip wrote where Debian's Python looks: into dist-packages, /usr/local and ~/.local."""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Set, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.relations import broken_needs, broken_requirements, users_of
from ..facts.sites import DEBIAN_DIST_PACKAGES, Distribution, SiteContents, normalize
from ..findings import Hit
from .extensions import owned_extensions

ROOT = "root"
DISTUTILS_HACK = "_distutils_hack"


def stray_in_dist_packages(facts: Facts) -> Iterator[Hit]:
    """Distributions and modules in Debian's own dist-packages that dpkg did not put there."""
    contents = facts.site(DEBIAN_DIST_PACKAGES)
    if contents is None:
        return
    extension_stems = {module.rsplit("/", 1)[1] for _, module in owned_extensions(facts)}
    claimed: Set[str] = set()
    for dist in contents.distributions:
        if dist.owners and not _unowned_metadata(facts, dist):
            continue  # Debian's, untouched by pip
        move, replaced, overwritten = _footprint(facts, contents, dist)
        claimed.update(move)
        yield _hit(dist.name, dist.version, dist.installer, move, replaced, overwritten)
    for module in contents.modules:
        if module.owners or module.path in claimed or module.name.endswith(".pth"):
            continue  # .pth files run code at start-up: the start-up hook rule judges them
        if module.path.endswith(".so") and module.name in extension_stems:
            continue  # a hand-made copy of a Debian extension: unowned-extension reports it
        yield _hit(module.path.rsplit("/", 1)[1], "", "", [module.path], [], [])


def shadowed_debian_module(facts: Facts) -> Iterator[Hit]:
    """Copies in root's user site or /usr/local that hide a module a Debian package ships."""
    yield from _shadowed(facts, root_sites(facts))


def shadowed_debian_module_user(facts: Facts) -> Iterator[Hit]:
    """Copies in a login user's ~/.local that hide a module a Debian package ships from them."""
    yield from _shadowed(facts, [c for c in user_sites(facts) if c.site.user != ROOT])


def _shadowed(facts: Facts, sites: Iterable[SiteContents]) -> Iterable[Hit]:
    debian = debian_modules(facts)
    projects = _debian_projects(facts)
    for contents in sites:
        for dist, names, modules in shadowing_copies(contents, debian):
            packages = tuple(sorted({p for name in names for p in debian[name]}))
            collision = breaks = ""
            if dist is not None:
                move, replaced, overwritten = _footprint(facts, contents, dist)
                project, version = dist.name, dist.version
                theirs = sorted({projects[p] for p in packages if p in projects} - {""})
                if theirs and dist.normalized_name not in {normalize(t) for t in theirs}:
                    collision = (f" {dist.name} is another project that happens to use the same "
                                 f"name: Debian's {', '.join(names)} comes from "
                                 f"{', '.join(theirs)}.")
                else:
                    breaks = _breaks(facts, dist, packages)
            else:
                if names == [DISTUTILS_HACK]:
                    continue  # setuptools' leftover hack: distutils-hack moves it with its .pth
                move, replaced, overwritten = [m.path for m in modules], [], []
                project, version = names[0], ""
            users = users_of(facts, packages)
            hit = _hit(project, version, dist.installer if dist else "", move, replaced, overwritten)
            yield Hit(
                subject=f"{contents.site.path}:{project}",
                evidence={**hit.evidence, "site": contents.site.path, "modules": tuple(names),
                          "debian": packages, "user": contents.site.user or "",
                          "users": (f" Debian packages that depend on it: {', '.join(users)}."
                                    if users else ""),
                          "collision": collision, "breaks": breaks},
                paths=hit.paths,
            )


def _breaks(facts: Facts, dist: Distribution, packages: Tuple[str, ...]) -> str:
    """ pip's urllib3 2.2.3 breaks python3-requests, which needs python3-urllib3 (<< 2).

    Debian's own Depends first; then the Requires-Dist of the projects Debian ships (upstream's
    bounds, where Debian kept them), for packages the Depends did not already name.
    """
    broken = [(need.user, need.relation) for package in packages
              for need in broken_needs(facts, package, dist.version)]
    named = {user for user, _ in broken}
    for req in broken_requirements(facts, dist.name, dist.version):
        if req.package not in named and req.package not in packages:
            broken.append((req.package, f"{dist.name}{req.specifier} (Requires-Dist of {req.project})"))
            named.add(req.package)
    if not broken:
        return ""
    who = f"{dist.installer}'s " if dist.installer else ""
    which = " and ".join(f"{user}, which needs {relation}," for user, relation in broken)
    return f" {who}{dist.name} {dist.version} breaks {which.rstrip(',')}."


def _debian_projects(facts: Facts) -> Dict[str, str]:
    """Debian package -> the project name of the metadata it ships in dist-packages."""
    contents = facts.site(DEBIAN_DIST_PACKAGES)
    out: Dict[str, str] = {}
    for dist in contents.distributions if contents else ():
        for owner in dist.owners:
            out.setdefault(owner, dist.name)
    return out


def pip_in_usr_local(facts: Facts) -> Iterator[Hit]:
    """pip-installed projects in /usr/local that every root Python program now imports from."""
    debian = debian_modules(facts)
    for contents in local_sites(facts):
        shadowing = {id(d) for d, _, _ in shadowing_copies(contents, debian) if d is not None}
        projects: List[str] = []
        move: List[str] = []
        for dist in contents.distributions:
            if id(dist) in shadowing or dist.owners:
                continue
            projects.append(f"{dist.name} {dist.version}".strip())
            move += _footprint(facts, contents, dist)[0]
        if projects:
            yield Hit(
                subject=contents.site.path,
                evidence={"site": contents.site.path, "projects": tuple(projects),
                          "move": tuple(dict.fromkeys(move)),
                          "label": aside_label("usr-local", contents.site.version or "")},
                paths=tuple(dict.fromkeys(move)),
            )


def interpreter_versions(facts: Facts) -> Set[str]:
    """The interpreters that matter: the default and the one /usr/bin/python3 runs."""
    return {facts.defaults.default, facts.python3.version} - {None, ""}


def local_sites(facts: Facts) -> Iterable[SiteContents]:
    """/usr/local site directories of the interpreters that matter."""
    versions = interpreter_versions(facts)
    return [c for c in facts.sites_of_kind("local") if c.site.version in versions]


def user_sites(facts: Facts) -> List[SiteContents]:
    """~/.local site directories of root and the login users, for the interpreters that matter."""
    versions = interpreter_versions(facts)
    return [c for c in facts.sites_of_kind("user") if c.site.version in versions]


def root_sites(facts: Facts) -> List[SiteContents]:
    """What root's Python programs see before Debian's dist-packages: ~root/.local, /usr/local."""
    return [c for c in user_sites(facts) if c.site.user == ROOT] + list(local_sites(facts))


def debian_modules(facts: Facts) -> Dict[str, Tuple[str, ...]]:
    """Top-level module name -> Debian packages shipping it in dist-packages."""
    contents = facts.site(DEBIAN_DIST_PACKAGES)
    if contents is None:
        return {}
    return {m.name: m.owners for m in contents.modules if m.owners and not m.name.endswith(".pth")}


def shadowing_copies(contents: SiteContents, debian: Dict[str, Tuple[str, ...]]):
    """(distribution or None, shadowed names, loose modules) for each shadowing thing."""
    claimed: Set[str] = set()
    out = []
    for dist in contents.distributions:
        names = sorted(n for n in dist.top_level if n in debian)
        claimed.update(dist.top_level)
        if names:
            out.append((dist, names, []))
    for module in contents.modules:
        if module.name in debian and module.name not in claimed:
            out.append((None, [module.name], [module]))
    return out


def _footprint(facts: Facts, contents: SiteContents, dist: Distribution) -> Tuple[List[str], List[str], List[str]]:
    """What to move aside to remove `dist`, the Debian files it overwrote and their packages.

    Top-level entries that dpkg knows nothing of go whole (with their bytecode caches); inside a
    directory dpkg owns, only the files RECORD lists and dpkg does not own.
    """
    dpkg = facts.dpkg
    move: List[str] = _unowned_metadata(facts, dist) if dist.owners else [dist.metadata]
    overwritten: Set[str] = set()
    replaced: List[str] = []
    top_entries = {m.name: m for m in contents.modules}
    for name in dist.top_level:
        module = top_entries.get(name)
        if module is not None and not module.owners:
            move.append(module.path)
    for path in dist.record:
        if path.endswith(".pyc") or "/__pycache__/" in path:
            continue
        owners = dpkg.owners(path)
        if owners:
            if facts.fs.lstat(path) is not None:
                overwritten.update(owners)
                replaced.append(path)
        elif not any(path == m or path.startswith(m + "/") for m in move) and facts.fs.lstat(path):
            move.append(path)
    return list(dict.fromkeys(move)), replaced, sorted(overwritten)


def _unowned_metadata(facts: Facts, dist: Distribution) -> List[str]:
    """Files pip added to a Debian package's metadata directory (RECORD, REQUESTED, ...)."""
    paths = (f"{dist.metadata}/{name}" for name in facts.fs.listdir(dist.metadata))
    return [path for path in paths if not facts.dpkg.owned(path)]


def _hit(project: str, version: str, installer: str, move: List[str], replaced: List[str],
         overwritten: List[str]) -> Hit:
    return Hit(
        subject=project,
        evidence={"name": f"{project} {version}".strip(), "installer": installer or "unknown",
                  "move": tuple(move), "replaced": tuple(replaced),
                  "overwritten": tuple(overwritten),
                  "label": aside_label(project, version)},
        paths=tuple(move) + tuple(replaced),
    )
