"""Observed vs desired: the list of changes a reviewer reads.

Desired state is partial: only the keys a module puts in `desired` are managed, so a setting nobody asked
about never shows up as a change. Mappings present on both sides are compared key by key (so a resource map
`{arn: {...}}` gives one change per resource, with the ARN as a key of the change); anything else is
compared whole, so creating a resource is one `+` line, not one line per field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from soc2ctl.remediation import Change, canonical, same

__all__ = ["compute_changes", "fingerprint", "overall_action", "same"]


def compute_changes(observed: Any, desired: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[Change]:
    changes: list[Change] = []
    have_map = observed if isinstance(observed, Mapping) else {}
    for key, want in desired.items():
        have = have_map.get(key)
        keys = (*prefix, str(key))
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            changes.extend(compute_changes(have, want, keys))
        elif not same(have, want):
            changes.append(Change(keys, have, want))
    return changes


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
