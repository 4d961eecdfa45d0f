"""Which projects a rebuilt venv may install for whoever rebuilds it.

A venv remade after an upgrade (venv-broken, orphaned-site) is filled, as whoever controls it,
with what its metadata or snapshot names; installing a project from a URL or a checkout runs
its build. Metadata or a checkout someone else can change is that someone's choice: installed
from it by root, her code would run as root (needrestart's CVE-2024-48990 again). Such projects
are left out, and the evidence says who could change what.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Sequence

from ..facts import Facts
from ..facts.accounts import outsiders, writers
from ..facts.sites import METADATA_SUFFIXES
from ..rootfs import Control

EDITABLE = "--editable="


def left_out(facts: Facts, owner_path: str, sites: Sequence[str], packages: Iterable,
             owner_noun: str) -> Dict[str, str]:
    """requirement -> why it is left out, for each of `packages` (facts.venvs.VenvPackage)
    whose metadata, site or source someone besides the controller of `owner_path` (the venv's
    or the site's owner, as `owner_noun` says) can change."""
    owner = facts.fs.control(owner_path)
    in_sites = " and ".join(sites)

    def why(what: str, who: FrozenSet[int]) -> str:
        return f"{what} {owner_noun} does not control ({names_of(facts, who)} can change it)"

    site_who = frozenset().union(*(outsiders(writers(facts.fs, site, below=False), owner)
                                   for site in sites))
    recorded_who = None
    out: Dict[str, str] = {}
    for package in packages:
        if site_who:
            out[package.requirement] = why(f"whose metadata in {in_sites}", site_who)
            continue
        if package.metadata:
            who = outsiders(writers(facts.fs, package.metadata), owner)
            if who:
                out[package.requirement] = why(f"whose metadata {package.metadata}", who)
                continue
        else:  # from a snapshot: whatever metadata it was recorded from may have been hers
            if recorded_who is None:
                recorded_who = _entries_who(facts, sites, owner)
            if recorded_who:
                out[package.requirement] = why(
                    f"recorded from metadata in {in_sites}, some of which", recorded_who)
                continue
        if package.requirement.startswith(EDITABLE):
            source = package.requirement[len(EDITABLE):]
            who = outsiders(writers(facts.fs, source), owner)
            if who:
                out[package.requirement] = why(f"whose source {source}", who)
    return out


def names_of(facts: Facts, who: FrozenSet[int]) -> str:
    """Who outsiders() found, as the evidence names them."""
    if -1 in who:
        return "a group or everyone"
    return ", ".join(facts.accounts.get(uid, f"uid {uid}") for uid in sorted(who))


def _entries_who(facts: Facts, sites: Sequence[str], owner: Control) -> FrozenSet[int]:
    """Who besides `owner` can change some project's metadata in `sites` today: a snapshot
    names projects by what their metadata said, so any of them may be hers."""
    return frozenset().union(*(
        outsiders(writers(facts.fs, f"{site}/{entry}"), owner)
        for site in sites for entry in facts.fs.listdir(site) if entry.endswith(METADATA_SUFFIXES)))
