"""dpkg's journal: the package records in /var/lib/dpkg/updates not yet folded into status.

Before each step on a package dpkg writes the package's new record to updates/NNNN, and it
rewrites the status file from them only now and then and when it ends cleanly. A dpkg that was
killed (the OOM killer, a stopped container, a lost ssh session, the power) leaves its last
records there, and the next dpkg reads the status file and then the journal, in name order, as
its database (dpkg's modstatdb_open). So does pyguard: read alone, the status file would call
a package installed that dpkg knows to be half-configured.
"""

from __future__ import annotations

import re
from typing import Dict, List, Sequence, Tuple

from .rootfs import RootFS

JOURNAL = "updates"
RECORD_NAME = re.compile(r"[0-9]{1,10}")
"""dpkg's record names: digits only, all of one length (updates/tmp.i is one being written)."""
PACKAGE = re.compile(r"^Package:[ \t]*(\S+)", re.M)
ARCHITECTURE = re.compile(r"^Architecture:[ \t]*(\S+)", re.M)


def journal_names(fs: RootFS, admindir: str) -> List[str]:
    """The names of the journal's records, oldest first: none after a dpkg that ended well."""
    return sorted(n for n in fs.listdir(f"{admindir}/{JOURNAL}") if RECORD_NAME.fullmatch(n))


def journal_records(fs: RootFS, admindir: str, names: Sequence[str]) -> List[str]:
    """The paragraphs of the records `names` (journal_names), oldest first."""
    directory = f"{admindir}/{JOURNAL}"
    if len({len(n) for n in names}) > 1:
        fs.note("corrupt", directory, "records with names of different lengths (dpkg refuses "
                "to read such a journal: `dpkg --audit` says how to go on)")
    records: List[str] = []
    for _, data in fs.read_many(directory, names):
        if data:
            text = data.decode("utf-8", "surrogateescape")
            records += [block for block in text.split("\n\n") if block.strip()]
    return records


def with_journal(status: str, records: List[str]) -> str:
    """The status file's text with each journal record in place of the package instance
    (name and architecture) it is about, or after the others for a new one."""
    if not records:
        return status
    paragraphs: Dict[Tuple[str, str], str] = {}
    loose: List[str] = []
    for block in status.split("\n\n") + records:
        name = PACKAGE.search(block)
        if name is None:
            if block.strip():
                loose.append(block)  # kept for the status reader to note as corrupt
            continue
        arch = ARCHITECTURE.search(block)
        paragraphs[(name.group(1), arch.group(1) if arch else "")] = block.strip("\n")
    return "\n\n".join(list(paragraphs.values()) + loose) + "\n"
