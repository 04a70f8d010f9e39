"""A change's before/after as a structural diff, like Terraform's plan: full values, nothing cut.

A policy document or a rule list is diffed key by key and element by element: a reviewer sees the one
statement (or rule) that is added, removed or changed, in full, and a count of what stays the same, not
two 4 KB blobs to compare by eye. Pure functions over JSON values; the renderers add colour or fences.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_PATH_SEGMENT = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")

Line = tuple[str, str]  # (sign, text): sign is "+", "-", "~" or " "
INLINE_MAX = 100  # a scalar change shorter than this stays on one line: `path: before -> after`


def fmt(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def path_segments(path: str) -> list[str]:
    """The keys of a saved plan's display path (`[arn:PARTITION:...].db_password` -> [arn:PARTITION:..., db_password]):
    a plan document carries only the path a reviewer reads (soc2ctl.remediation.join_path)."""
    return [bracketed or plain for bracketed, plain in _PATH_SEGMENT.findall(path)]


def is_inline(before: Any, after: Any) -> bool:
    """Scalars (and short lists of scalars) read best as one `before -> after` line."""

    def small(v: Any) -> bool:
        return not isinstance(v, Mapping | list) or (
            isinstance(v, list) and all(not isinstance(x, Mapping | list) for x in v)
        )

    return small(before) and small(after) and len(fmt(before)) + len(fmt(after)) <= INLINE_MAX


def _pretty(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.splitlines() or [""]
    return json.dumps(value, indent=2, sort_keys=True, default=str).splitlines()


def _whole(sign: str, label: str, value: Any, pad: str) -> list[Line]:
    """A whole value added or removed: `label` and the first line together, the rest at the same indent."""
    body = _pretty(value)
    return [(sign, f"{pad}{label}{body[0]}"), *((sign, f"{pad}{line}") for line in body[1:])]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def value_diff(before: Any, after: Any, depth: int = 0) -> list[Line]:
    """Lines that take `before` to `after`: mappings key by key, lists element by element (an element
    present on one side only is added or removed whole), anything else as a removed and an added value."""
    pad = "  " * depth
    if before is None and after is None:
        return []
    if before is None:
        return _whole("+", "", after, pad)
    if after is None:
        return _whole("-", "", before, pad)
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        return _mapping_diff(before, after, depth)
    if isinstance(before, list) and isinstance(after, list):
        return _list_diff(before, after, depth)
    return [*_whole("-", "", before, pad), *_whole("+", "", after, pad)]


def _mapping_diff(before: Mapping[str, Any], after: Mapping[str, Any], depth: int) -> list[Line]:
    pad = "  " * depth
    lines: list[Line] = []
    same = 0
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if _key(old) == _key(new):
            same += 1
        elif key not in before or old is None:
            lines += _whole("+", f"{key}: ", new, pad)
        elif key not in after or new is None:
            lines += _whole("-", f"{key}: ", old, pad)
        elif isinstance(old, Mapping | list) and type(old) is type(new):
            lines += [("~", f"{pad}{key}:"), *value_diff(old, new, depth + 1)]
        else:
            lines += [*_whole("-", f"{key}: ", old, pad), *_whole("+", f"{key}: ", new, pad)]
    if same:
        lines.append((" ", f"{pad}({same} unchanged)"))
    return lines


def _list_diff(before: list[Any], after: list[Any], depth: int) -> list[Line]:
    pad = "  " * depth
    old_keys, new_keys = [_key(v) for v in before], [_key(v) for v in after]
    lines: list[Line] = []
    for value, key in zip(before, old_keys, strict=True):
        if key not in new_keys:
            lines += _whole("-", "", value, pad)
    for value, key in zip(after, new_keys, strict=True):
        if key not in old_keys:
            lines += _whole("+", "", value, pad)
    if kept := sum(1 for k in new_keys if k in old_keys):
        lines.append((" ", f"{pad}({kept} unchanged)"))
    if not lines or all(sign == " " for sign, _ in lines):  # same elements, other order
        lines = [*_whole("-", "", before, pad), *_whole("+", "", after, pad)]
    return lines


def change_lines(change: Mapping[str, Any]) -> list[Line]:
    """One change: `~ path: before -> after` when short, else the path and its structural diff below."""
    before, after, path = change["before"], change["after"], change["path"]
    sign = "+" if before is None else "-" if after is None else "~"
    if before is None and len(path_segments(path)) > 1 and not isinstance(after, Mapping):
        sign = "~"  # a field set on a resource that exists: an update (see soc2ctl.engine.diff.Change)
    if is_inline(before, after):
        return [(sign, f"{path}: {fmt(before)} -> {fmt(after)}")]
    if before is None or after is None:
        return _whole(sign, f"{path}: ", after if before is None else before, "")
    return [(sign, f"{path}:"), *value_diff(before, after, 1)]


def short(value: Any, limit: int = INLINE_MAX) -> str:
    """One line, at most `limit` characters (the --compact view)."""
    text = " ".join(fmt(value).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} chars)"
