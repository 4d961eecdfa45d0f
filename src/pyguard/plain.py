"""Facts as the plain values marshal keeps, and back: for what pyguard's cache holds.

marshal keeps str, int, bool, None, tuples and dicts; a frozen dataclass is kept as a list
[its index in the types the caller names, its field values...], since facts hold tuples, never
lists. Only the named types come back: nothing in the cache picks the class it becomes.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

SCALARS = (str, int, bool, float, type(None))


def encode(value: Any, types: Sequence[type]) -> Any:
    """`value` as plain data; TypeError for anything else (a list, a type not in `types`)."""
    if value.__class__ in SCALARS:
        return value
    if value.__class__ is tuple:
        return tuple(encode(item, types) for item in value)
    if value.__class__ is dict:
        return {encode(k, types): encode(v, types) for k, v in value.items()}
    if is_dataclass(value) and value.__class__ in types:
        index = types.index(value.__class__)
        return [index] + [encode(getattr(value, f.name), types) for f in fields(value)]
    raise TypeError(f"{value.__class__.__name__} cannot be kept")


def decode(data: Any, types: Sequence[type]) -> Any:
    """What `encode` made, back; TypeError (or ValueError, IndexError) for anything else."""
    if data.__class__ in SCALARS:
        return data
    if data.__class__ is tuple:
        return tuple(decode(item, types) for item in data)
    if data.__class__ is dict:
        return {decode(k, types): decode(v, types) for k, v in data.items()}
    if data.__class__ is list and data and data[0].__class__ is int and 0 <= data[0] < len(types):
        return types[data[0]](*(decode(item, types) for item in data[1:]))
    raise TypeError(f"{data.__class__.__name__} is not kept data")
