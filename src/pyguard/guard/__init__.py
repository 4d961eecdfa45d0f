"""The pip guard: `pyguard pip ...` and the pip shims that `pyguard guard install` places.

Allowed commands cost one short stdlib-only decision and an exec of the real pip (main.py,
pipargs.py, decide.py, target.py). Only a refusal reads the apt index (aptindex.py, from the
lists as aptlists.py reads them), builds suggestions (suggest.py) and logs (log.py). shims.py
places and removes the shims.
"""
