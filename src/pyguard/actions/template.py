"""Repair lines of rule files, `$ KIND field=VALUE ...  # note`, and how findings fill them.

VALUE is literal text (commas separate the items of a list: `packages=python3-minimal,python3-venv`),
`{key}` (the evidence value as it is: a tuple stays a list of paths or packages) or text around
`{key}` (`python{default}`). A line whose keys have no value in a finding is left out: an optional
step; `{key?}` marks an optional field, which takes its default when the key has no value, and
`when={key}` makes a line whose action needs no value from the finding optional all the same. Who an action runs as is no rule's business: the engine
asks who controls each path it names (`owner_of`), and splits the action so that each part runs
as the one user who controls it; a path that no single user controls is never acted on.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, fields
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from .model import KINDS, OWNED, ROOT_USER, Action, CommentOut, MoveAside, field_names

EvidenceValue = object
OwnerOf = Callable[[str], Optional[str]]
"""Path inside the root -> root, the one user who controls it, or None (no single one)."""

DERIVED = ("user", "keep_top", "versions")
"""Fields the engine and fix fill in, never a rule."""
WHEN = "when"
"""Not a field: `when={key}` applies the line only where the finding has a value for key."""


class TemplateError(ValueError):
    """A repair line that names an unknown action or field; the message says which."""


@dataclass(frozen=True)
class ActionTemplate:
    kind: str
    fields: Tuple[Tuple[str, str], ...]
    note: str

    def keys(self) -> List[str]:
        """Every evidence key the line uses."""
        return [k.rstrip("?") for k in self._keys()]

    def _keys(self) -> List[str]:
        return [k for _, value in self.fields for k in template_keys(value)] + template_keys(self.note)

    def fill(self, evidence: Mapping[str, EvidenceValue], owner_of: OwnerOf) -> List[Action]:
        """The actions of this line for one finding; [] when the line does not apply."""
        if any(not evidence.get(key) for key in self._keys() if not key.endswith("?")):
            return []
        values = {name: _value(text, evidence) for name, text in self.fields
                  if name != WHEN and not (text.endswith("?}") and not evidence.get(text[1:-2]))}
        cls = KINDS[self.kind]
        typed = {f.name: _typed(f.type, values[f.name]) for f in fields(cls) if f.name in values}
        action = cls(**typed)
        return _split_by_owner(action, owner_of) if isinstance(action, OWNED) else [action]


    def example(self) -> str:
        """The line's shell command with <key> where a finding's values go, for `explain`."""
        cls = KINDS[self.kind]
        values = {}
        for f in fields(cls):
            text = dict(self.fields).get(f.name)
            if text is None or str(f.type) == "bool" and template_keys(text):
                continue
            placeholder = text
            for key in template_keys(text):
                placeholder = placeholder.replace("{" + key + "}", f"<{key.rstrip('?')}>")
            values[f.name] = (((placeholder, ()),) if "Edit" in str(f.type)
                              else _typed(f.type, placeholder.split(",")
                                          if str(f.type).startswith("Tuple") else placeholder))
        return re.sub(r"'([^' ]*<[a-z_]+>[^' ]*)'", r"\1", cls(**values).command())


def parse_line(line: str, source: str) -> ActionTemplate:
    """`KIND field=VALUE ...  # note` (the text after '$ ')."""
    text, _, note = line.partition("  # ")
    words = text.split()
    if not words or words[0] not in KINDS:
        raise TemplateError(f"{source}: unknown repair action {words[0] if words else ''!r} "
                            f"(known: {', '.join(sorted(KINDS))})")
    kind = words[0]
    allowed = set(field_names(kind)) - set(DERIVED) | {WHEN}
    pairs = []
    for word in words[1:]:
        name, sep, value = word.partition("=")
        if not sep or name not in allowed:
            raise TemplateError(f"{source}: {kind} has no field {name!r} "
                                f"(fields: {', '.join(sorted(allowed))})")
        pairs.append((name, value))
    required = {f.name for f in fields(KINDS[kind]) if _required(f)} - set(DERIVED)
    missing = required - {name for name, _ in pairs}
    if missing:
        raise TemplateError(f"{source}: {kind} needs {', '.join(sorted(missing))}")
    return ActionTemplate(kind, tuple(pairs), note.strip())


def template_keys(text: str) -> List[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def _required(f) -> bool:
    from dataclasses import MISSING

    return f.default is MISSING and f.default_factory is MISSING  # type: ignore[misc]


def _value(text: str, evidence: Mapping[str, EvidenceValue]):
    keys = template_keys(text)
    if keys == [text[1:-1]] and text.startswith("{"):
        return evidence[keys[0].rstrip("?")]
    items = tuple(item.format_map({k: _flat(evidence[k]) for k in template_keys(item)})
                  for item in text.split(","))
    return items[0] if len(items) == 1 else items


def _flat(value) -> str:
    return value if isinstance(value, str) else " ".join(value)


def _typed(annotation, value):
    kind = str(annotation)
    if kind == "bool":
        return value if isinstance(value, bool) else str(value).lower() in ("yes", "true", "1")
    if "Edit" in kind:
        return tuple(_edit(v) for v in ((value,) if isinstance(value, str) else value))
    if kind.startswith("Tuple"):
        return (value,) if isinstance(value, str) else tuple(value)
    return value if isinstance(value, str) else " ".join(value)


def _edit(text: str) -> Tuple[str, Tuple[int, ...]]:
    """"/root/.profile:3,7" -> ("/root/.profile", (3, 7))."""
    path, _, numbers = text.rpartition(":")
    return path, tuple(int(n) for n in numbers.split(",") if n)


def _split_by_owner(action: Action, owner_of: OwnerOf) -> List[Action]:
    """One action per user who controls part of what `action` touches, run as that user."""
    if isinstance(action, CommentOut):
        groups: Dict[str, list] = {}
        for edit in action.edits:
            user = owner_of(edit[0])
            if user is not None:
                groups.setdefault(user, []).append(edit)
        return [CommentOut(tuple(e), action.label, u) for u, e in groups.items()]
    if hasattr(action, "paths"):
        return _split_paths(action, owner_of)
    file = getattr(action, "file", None)
    user = owner_of(file) if file else _tree_owner(owner_of)(getattr(action, "venv"))
    return [] if user is None else [_replace(action, user=user)]


def _tree_owner(owner_of: OwnerOf) -> OwnerOf:
    """Who may take a tree away whole (and make a venv anew where one was): its owner, when
    every directory below is hers too (facts.accounts.tree_owner); plain owner_of otherwise."""
    return getattr(owner_of, "tree", owner_of)


def _split_paths(action, owner_of: OwnerOf) -> List[Action]:
    groups: Dict[Tuple[str, bool], list] = {}
    whole = _tree_owner(owner_of) if isinstance(action, MoveAside) else owner_of
    for path in action.paths:
        user = whole(path)
        if user is None:
            continue
        keep_top = (isinstance(action, MoveAside) and user != ROOT_USER
                    and owner_of(os.path.dirname(path)) != user)
        key = (user, keep_top)
        if keep_top:
            key = (user, path)  # type: ignore[assignment]
        groups.setdefault(key, []).append(path)
    out: List[Action] = []
    for (user, top), paths in groups.items():
        extra = {"keep_top": True} if isinstance(top, str) else {}
        out.append(_replace(action, paths=tuple(paths), user=user, **extra))
    return out


def _replace(action, **changes):
    from dataclasses import replace

    return replace(action, **changes)
