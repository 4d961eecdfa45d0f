"""Where pyguard keeps its state: report runs write there, the doctor reads venv snapshots there.

Root's state lives in /var/lib/pyguard, anyone else's in $XDG_STATE_HOME/pyguard
(~/.local/state/pyguard); $PYGUARD_STATE_DIR or --state-dir win.
"""

from __future__ import annotations

import os
from typing import Optional


def state_dir(override: Optional[str] = None) -> str:
    if override:
        return override
    env = os.environ.get("PYGUARD_STATE_DIR")
    if env:
        return env
    if os.geteuid() == 0:
        return "/var/lib/pyguard"
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "pyguard")
