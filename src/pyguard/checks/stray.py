"""What pip wrote where Debian's Python looks: into dist-packages, and into /usr/local."""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Set, Tuple

from ..aside import aside_label
from ..facts import Facts
from ..facts.sites import DEBIAN_DIST_PACKAGES, Distribution, Module, SiteContents
from ..findings import Hit
from .extensions import owned_extensions


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
    """Copies in /usr/local that hide a module a Debian package ships."""
    debian = _debian_modules(facts)
    for contents in _local_sites(facts):
        for dist, names, modules in _shadowing(contents, debian):
            packages = tuple(sorted({p for name in names for p in debian[name]}))
            if dist is not None:
                move, replaced, overwritten = _footprint(facts, contents, dist)
                project, version = dist.name, dist.version
            else:
                move, replaced, overwritten = [m.path for m in modules], [], []
                project, version = names[0], ""
            hit = _hit(project, version, dist.installer if dist else "", move, replaced, overwritten)
            yield Hit(
                subject=f"{contents.site.path}:{project}",
                evidence={**hit.evidence, "site": contents.site.path, "modules": tuple(names),
                          "debian": packages},
                paths=hit.paths,
            )


def pip_in_usr_local(facts: Facts) -> Iterator[Hit]:
    """pip-installed projects in /usr/local that every root Python program now imports from."""
    debian = _debian_modules(facts)
    for contents in _local_sites(facts):
        shadowing = {id(d) for d, _, _ in _shadowing(contents, debian) if d is not None}
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


def _local_sites(facts: Facts) -> Iterable[SiteContents]:
    """/usr/local site directories of the interpreters that matter: default and the running one."""
    versions = {facts.defaults.default, facts.python3.version} - {None, ""}
    return [c for c in facts.sites_of_kind("local") if c.site.version in versions]


def _debian_modules(facts: Facts) -> Dict[str, Tuple[str, ...]]:
    """Top-level module name -> Debian packages shipping it in dist-packages."""
    contents = facts.site(DEBIAN_DIST_PACKAGES)
    if contents is None:
        return {}
    return {m.name: m.owners for m in contents.modules if m.owners and not m.name.endswith(".pth")}


def _shadowing(contents: SiteContents, debian: Dict[str, Tuple[str, ...]]):
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
