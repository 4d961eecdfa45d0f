"""Acknowledged findings: an admin's [ack] line keeps a finding from counting until it expires."""

from __future__ import annotations

import datetime
from typing import Iterable, Tuple

from ..config import Config
from ..findings import Finding
from .model import Entry


def acknowledge(findings: Iterable[Finding], config: Config,
                today: datetime.date) -> Tuple[Entry, ...]:
    entries = []
    for finding in findings:
        ack = config.ack_for(finding.rule, finding.subject)
        entries.append(Entry(finding, ack, ack is not None and ack.holds(today)))
    return tuple(entries)
