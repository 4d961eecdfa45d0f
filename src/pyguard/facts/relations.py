"""Who among the installed Debian packages depends on whom, and with which version ranges.

A copy of urllib3 that pip put in /usr/local replaces python3-urllib3 for every Debian program
that imports it. Whether that is merely untested or plainly broken is written in dpkg's status
file: the Depends of the packages that use python3-urllib3 say which versions they accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from . import Facts

PACKAGE_LINE = re.compile(r"^Package:[ \t]*(\S+)", re.M)
PEP440_PRE = re.compile(r"(?<=\d)[.-]?(a|b|rc|c|alpha|beta|pre|preview|dev)[.-]?(?=\d|$)", re.I)


@dataclass(frozen=True)
class Need:
    """One versioned dependency of an installed package on another."""

    user: str
    """The package that declares it (python3-requests)."""
    target: str
    """The package it names (python3-urllib3)."""
    relation: str
    """As dpkg writes it: "python3-urllib3 (<< 2)"."""
    op: str
    """<<, <=, =, >= or >>."""
    version: str


@dataclass(frozen=True)
class Relations:
    """Reverse dependencies of the installed packages, from /var/lib/dpkg/status."""

    users: Dict[str, Tuple[str, ...]]
    """Package -> installed packages whose Depends or Pre-Depends name it, sorted."""
    needs: Dict[str, Tuple[Need, ...]]
    """Package -> the versioned relations other installed packages have on it."""

    def users_of(self, package: str) -> Tuple[str, ...]:
        return self.users.get(package, ())

    def needs_on(self, package: str) -> Tuple[Need, ...]:
        return self.needs.get(package, ())


def gather_relations(facts: Facts) -> Relations:
    """Parse the Depends of every installed package that depends on some python3-* package.

    Only paragraphs that mention "python3-" in a Depends line are parsed: pyguard asks about
    Python modules only, and a desktop has thousands of paragraphs that never name one.
    """
    text = facts.dpkg.status_text  # dpkg's journal applied
    users: Dict[str, List[str]] = {}
    needs: Dict[str, List[Need]] = {}
    for block in text.split("\n\n"):
        if "python3-" not in block:
            continue
        m = PACKAGE_LINE.search(block)
        if m is None or not facts.dpkg.is_installed(m.group(1)):
            continue
        package = facts.dpkg.package(m.group(1))
        if package is None or not package.installed or "python3-" not in package.depends:
            continue
        for group in parse_relations(package.depends):
            # In "a | b (>= 2)" the package is content with either: only a single choice is
            # a hard requirement on one package's version.
            for name, version in group:
                if not name or name == package.name:
                    continue
                if package.name not in users.setdefault(name, []):
                    users[name].append(package.name)
                if version and len(group) == 1:
                    op, ver = version
                    needs.setdefault(name, []).append(
                        Need(package.name, name, f"{name} ({op} {ver})", op, ver))
    return Relations({k: tuple(sorted(v)) for k, v in users.items()},
                     {k: tuple(v) for k, v in needs.items()})


RELATION = re.compile(r"\s*(?P<name>[a-zA-Z0-9][a-zA-Z0-9.+\-]*)(?::[a-zA-Z0-9][a-zA-Z0-9-]*)?"
                      r"(?:\s*\(\s*(?P<op>[>=<]+)\s*(?P<version>[0-9a-zA-Z:\-+~.]+)\s*\))?"
                      r"(?:\s*\[[\s!\w\-]+\])?\s*(?:<.+>)?\s*")


def parse_relations(text: str) -> List[List[Tuple[str, Optional[Tuple[str, str]]]]]:
    """A Depends field as groups of alternatives, each (name, (operator, version) or None),
    read as python-debian's PkgRelation.parse_relations reads it (an alternative it cannot
    parse is its raw text with no version); test_relations holds the two equal."""
    groups = []
    for group in re.split(r"\s*,\s*", text.strip()):
        alternatives = []
        for alternative in re.split(r"\s*\|\s*", group):
            m = RELATION.fullmatch(alternative)
            if m is None:
                alternatives.append((alternative, None))
            else:
                alternatives.append((m["name"], (m["op"], m["version"]) if m["op"] else None))
        groups.append(alternatives)
    return groups


def debian_version_of(upstream: str, like: str = "") -> str:
    """An upstream (PEP 440) version written as Debian would package it, for comparisons.

    "2.0.0rc1" becomes "2.0.0~rc1" (a pre-release sorts before the release, as in PEP 440), and
    the epoch of the Debian version `like` (the package pip's copy replaces) is put in front,
    since Debian's relations on that package carry it.
    """
    version = PEP440_PRE.sub(lambda m: "~" + m.group(1).lower(), upstream.strip())
    version = re.sub(r"[^A-Za-z0-9.+~:-]", "", version) or "0"
    epoch, sep, _ = like.partition(":")
    if sep and epoch.isdigit() and ":" not in version:
        version = f"{epoch}:{version}"
    return version


def _upstream(version: str) -> str:
    """The upstream part of a Debian version: no epoch, no revision, no +dfsg/+ds repack tag."""
    version = version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return re.split(r"[+~](?:dfsg|ds|repack)", version)[0]


def satisfies(upstream: str, need: Need, like: str = "") -> bool:
    """Whether a copy of version `upstream` meets `need`, judged as Debian judges versions.

    "=" relations pin a Debian revision ("python3-pkg-resources (= 66.1.1-1+deb12u2)"): a copy
    with the same upstream version is taken to meet them, since no file of it can tell its
    Debian revision.
    """
    from ..debversion import compare as version_compare

    mine = debian_version_of(upstream, like)
    if need.op == "=":
        return _upstream(mine) == _upstream(need.version) or mine == need.version
    try:
        cmp = version_compare(mine, need.version)
    except ValueError:
        return True  # an unreadable version proves nothing
    return {"<<": cmp < 0, "<": cmp <= 0, "<=": cmp <= 0, ">=": cmp >= 0, ">": cmp >= 0,
            ">>": cmp > 0}.get(need.op, True)


def broken_needs(facts: Facts, package: str, upstream: str) -> Tuple[Need, ...]:
    """The relations on `package` that a copy of version `upstream` in its place breaks."""
    if not upstream:
        return ()
    relations = facts.get(gather_relations)
    installed = facts.dpkg.package(package)
    like = installed.version if installed is not None else ""
    seen: Dict[Tuple[str, str], Need] = {}
    for need in relations.needs_on(package):
        if not satisfies(upstream, need, like):
            seen.setdefault((need.user, need.relation), need)
    return tuple(seen.values())


def users_of(facts: Facts, packages: Tuple[str, ...]) -> Tuple[str, ...]:
    """Installed packages that depend on any of `packages`, other than those packages."""
    relations = facts.get(gather_relations)
    found = {user for p in packages for user in relations.users_of(p)}
    return tuple(sorted(found - set(packages)))


def installed_version(facts: Facts, package: str) -> Optional[str]:
    found = facts.dpkg.package(package)
    return found.version if found is not None and found.installed else None


# -- what Debian's own Python metadata requires (Requires-Dist) ---------------------------------

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?([^;()]*)\)?\s*(;.*)?$")
CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")


@dataclass(frozen=True)
class Requirement:
    """A Requires-Dist line (without environment marker) of a project Debian ships."""

    package: str
    """The Debian package shipping the requiring project (python3-requests)."""
    project: str
    """The requiring project, with its version ("requests 2.32.3")."""
    name: str
    """The required project's normalised name (urllib3)."""
    specifier: str
    """As written: "<3,>=1.21.1"."""


def gather_requirements(facts: Facts) -> Dict[str, Tuple[Requirement, ...]]:
    """Required project name -> the versioned requirements of the projects Debian ships.

    Debian often strips these (bookworm's requests has none left), but where they survive they
    are upstream's own statement of what works: trixie's requests says urllib3<3,>=1.21.1.
    """
    from .sites import DEBIAN_DIST_PACKAGES, normalize

    contents = facts.site(DEBIAN_DIST_PACKAGES)
    out: Dict[str, List[Requirement]] = {}
    for dist in contents.distributions if contents else ():
        if not dist.owners:
            continue
        for name, specifier in _requires(facts, dist.metadata):
            if specifier:
                out.setdefault(normalize(name), []).append(Requirement(
                    dist.owners[0], f"{dist.name} {dist.version}".strip(), normalize(name),
                    specifier))
    return {k: tuple(v) for k, v in out.items()}


def _requires(facts: Facts, metadata: str) -> List[Tuple[str, str]]:
    """(name, specifier) of the unconditional requirements in a dist-info or egg-info."""
    lines: List[str] = []
    if metadata.endswith(".dist-info"):
        text = facts.fs.read_text(f"{metadata}/METADATA", limit=1 << 20) or ""
        for line in text.split("\n"):
            if not line.strip():
                break
            if line.startswith("Requires-Dist:"):
                lines.append(line[len("Requires-Dist:"):])
    else:
        text = facts.fs.read_text(f"{metadata}/requires.txt", limit=1 << 20) or ""
        for line in text.split("\n"):
            if line.startswith("["):
                break  # extras and conditional sections follow
            lines.append(line)
    out = []
    for line in lines:
        m = REQUIREMENT.match(line)
        if m and not m.group(3):  # an environment marker: cannot be judged from files alone
            out.append((m.group(1), m.group(2).strip()))
    return out


def meets(upstream: str, specifier: str) -> bool:
    """Whether version `upstream` meets a PEP 440 specifier, compared as Debian compares versions."""
    from ..debversion import compare as version_compare

    mine = debian_version_of(upstream)
    for clause in specifier.split(","):
        if not clause.strip():
            continue
        m = CLAUSE.match(clause)
        if m is None:
            return True  # something this reader does not understand proves nothing
        op, version = m.groups()
        if op in ("==", "!=") and version.endswith(".*"):
            prefix = version[:-2].split(".")
            same = upstream.split(".")[:len(prefix)] == prefix
            if same != (op == "=="):
                return False
            continue
        if op == "~=":
            parts = version.split(".")
            upper = parts[:-1]
            upper[-1] = str(int(upper[-1]) + 1) if upper and upper[-1].isdigit() else upper[-1]
            if not (meets(upstream, f">={version}") and meets(upstream, f"<{'.'.join(upper)}")):
                return False
            continue
        try:
            cmp = version_compare(mine, debian_version_of(version))
        except ValueError:
            continue
        ok = {"<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0, "==": cmp == 0,
              "===": upstream == version, "!=": cmp != 0}[op]
        if not ok:
            return False
    return True


def broken_requirements(facts: Facts, project: str, upstream: str) -> Tuple[Requirement, ...]:
    """What Debian's projects require of `project` that a copy of version `upstream` fails."""
    from .sites import normalize

    if not upstream:
        return ()
    return tuple(r for r in facts.get(gather_requirements).get(normalize(project), ())
                 if not meets(upstream, r.specifier))
