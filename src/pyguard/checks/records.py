"""RECORD files that name paths outside the installation that wrote them."""

from __future__ import annotations

from typing import Iterator

from ..aside import aside_label
from ..facts import Facts
from ..facts.sites import installation_prefix
from ..findings import Hit

SITE_KINDS = ("debian", "local", "user", "stdlib")


def record_outside_installation(facts: Facts) -> Iterator[Hit]:
    for site in facts.site_dirs:
        if site.kind not in SITE_KINDS:
            continue
        contents = facts.site(site.path)
        for dist in contents.distributions if contents else ():
            if not dist.outside:
                continue
            prefix = installation_prefix(site.path)
            owner = facts.owner_of(dist.metadata)
            who = (f"its prefix {prefix}" if owner == "root" else
                   f"its prefix {prefix}, controlled by {owner or 'more than one user'}")
            yield Hit(
                subject=dist.metadata,
                evidence={"name": f"{dist.name} {dist.version}".strip(), "metadata": dist.metadata,
                          "site": site.path, "entries": dist.outside, "who": who,
                          "label": aside_label(dist.name, dist.version, "record")},
                paths=(f"{dist.metadata}/RECORD",),
            )
