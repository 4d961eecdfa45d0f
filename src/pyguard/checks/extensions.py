"""Can the interpreters load the compiled modules Debian ships in dist-packages?"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Dict, Iterator, List, Set, Tuple

from ..facts import Facts
from ..facts.sites import DEBIAN_DIST_PACKAGES
from ..findings import Hit
from ..aside import aside_label

EXTENSION = re.compile(r"(?P<stem>[^/]+)\.cpython-(?P<tag>3\d+)[a-z]*-[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+\.so")


def tag(version: str) -> str:
    """3.11 -> 311, as in cpython-311-x86_64-linux-gnu."""
    return version.replace(".", "")


def owned_extensions(facts: Facts) -> Dict[Tuple[str, str], Dict[str, str]]:
    """(package, directory/stem) -> {ABI tag: path} for every dpkg-owned extension module."""
    groups: Dict[Tuple[str, str], Dict[str, str]] = defaultdict(dict)
    for path in facts.dpkg.paths_under(DEBIAN_DIST_PACKAGES):
        directory, _, name = path.rpartition("/")
        m = EXTENSION.fullmatch(name)
        if m:
            for owner in facts.dpkg.owners(path):
                groups[(owner, f"{directory}/{m.group('stem')}")][m.group("tag")] = path
    return groups


def extension_abi(facts: Facts) -> Iterator[Hit]:
    default = facts.defaults.default
    if not default:
        return
    running = facts.python3.version
    # package -> problem sentence -> modules or paths it concerns
    problems: Dict[str, Dict[str, List[str]]] = defaultdict(lambda: defaultdict(list))
    paths: Dict[str, List[str]] = defaultdict(list)
    upgrade: Set[str] = set()
    for (package, module), tags in sorted(owned_extensions(facts).items()):
        name = module.rsplit("/", 1)[1]
        if tag(default) not in tags:
            built = ", ".join(f"{t[0]}.{t[1:]}" for t in sorted(tags))
            problems[package][f"Built for Python {built} only, not {default}"].append(name)
            paths[package].append(sorted(tags.values())[0])
            upgrade.add(package)
            continue
        shipped = tags[tag(default)]
        if not facts.fs.is_file(shipped):  # gone, or a link to nothing: the import fails alike
            problems[package]["Missing"].append(shipped)
            paths[package].append(shipped)
        if running and running != default and tag(running) not in tags:
            problems[package][f"No build for Python {running}, which /usr/bin/python3 runs"].append(name)
            paths[package].append(shipped)
    for package in sorted(problems):
        sentences = " ".join(f"{what}: {', '.join(names)}." for what, names in problems[package].items())
        yield Hit(
            subject=package,
            evidence={"package": package, "problems": sentences,
                      "reinstall": package if package not in upgrade else "",
                      "upgrade": package if package in upgrade else ""},
            paths=tuple(dict.fromkeys(paths[package])),
        )


def unowned_extension(facts: Facts) -> Iterator[Hit]:
    """Hand-made copies or links of a Debian extension (apt_pkg.so, apt_pkg.cpython-312-...so)."""
    fs, dpkg = facts.fs, facts.dpkg
    stems: Dict[str, Dict[str, str]] = defaultdict(dict)
    for package, module in owned_extensions(facts):
        directory, _, stem = module.rpartition("/")
        stems[directory][stem] = package
    for directory in sorted(stems):
        for name in fs.listdir(directory):
            path = f"{directory}/{name}"
            stem = name.split(".", 1)[0]
            if not name.endswith(".so") or stem not in stems[directory] or dpkg.owned(path):
                continue
            target = fs.readlink(path) or ""
            yield Hit(
                subject=path,
                evidence={"path": path, "package": stems[directory][stem],
                          "target": target, "label": aside_label(name)},
                paths=(path,),
            )
