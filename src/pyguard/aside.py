"""Helpers for repairs that move files aside instead of deleting them."""

from __future__ import annotations

import re


def aside_label(*words: str) -> str:
    """A file-name-safe label for the archive a repair moves files into."""
    label = "-".join(w for w in words if w)
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", label)[:80] or "files"
