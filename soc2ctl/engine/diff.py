"""Observed vs desired: the list of changes a reviewer reads.

Desired state is partial: only the keys a module puts in `desired` are managed, so a setting nobody asked
about never shows up as a change. Mappings present on both sides are compared key by key (so a resource map
`{arn: {...}}` gives one change per resource, with the ARN in the path); anything else is compared whole,
so creating a resource is one `+` line, not one line per field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PLAIN_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any
    # Set by compute_changes, which knows whether the resource holding the field exists: a value set on an
    # existing resource is an update even where the field was unset (None) before.
    in_existing: bool = False

    @property
    def action(self) -> str:
        """`create` only when a resource is absent: the whole state of the module (top level) or a whole
        object added to a map that exists (a new statement, a new resource in a resource map)."""
        if self.before is None:
            if self.in_existing and not isinstance(self.after, Mapping):
                return "update"
            return "create"
        if self.after is None:
            return "delete"
        return "update"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


def join_path(segments: tuple[str, ...]) -> str:
    """`a.b` for plain keys, `[arn:aws:kms:...:key/1].rotation` for keys that hold dots, colons or slashes."""
    return ".".join(s if _PLAIN_SEGMENT.match(s) else f"[{s}]" for s in segments)


def compute_changes(observed: Any, desired: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[Change]:
    changes: list[Change] = []
    have_map = observed if isinstance(observed, Mapping) else {}
    for key, want in desired.items():
        have = have_map.get(key)
        path = (*prefix, str(key))
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            changes.extend(compute_changes(have, want, path))
        elif not same(have, want):
            changes.append(Change(join_path(path), have, want, in_existing=bool(prefix)))
    return changes


def same(a: Any, b: Any) -> bool:
    """Semantic equality: JSON-equal values are equal whatever their key order."""
    return canonical(a) == canonical(b)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(observed: Any) -> str:
    """A stable digest of what was read, so a saved plan can tell whether the world moved since."""
    return "sha256:" + hashlib.sha256(canonical(observed).encode()).hexdigest()


def overall_action(changes: list[Change]) -> str:
    kinds = {c.action for c in changes}
    if not kinds:
        return "no-op"
    if len(kinds) == 1:
        return kinds.pop()
    return "update"
