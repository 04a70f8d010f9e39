"""IAM policy documents in one canonical form, so two equivalent policies never look different in a diff.

The one normaliser for SCPs (soc2ctl.policy.scp_eval), bucket and key policies (remediation modules):
key order, single-vs-list values, duplicate list items and statement order never matter; condition values
compare as AWS compares them (`true` and `"true"` are the same). Sids name statements in SCP lockout
messages, so they are kept unless the caller says they carry no meaning (`ignore_sids`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_BLOCK_KEYS = ("Principal", "NotPrincipal", "Condition")


def normalise_policy(doc: Mapping[str, Any], *, ignore_sids: bool = False) -> dict[str, Any]:
    """The policy in canonical form (see the module docstring)."""
    out = {k: v for k, v in doc.items() if k != "Statement"}
    statements = doc.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    normal = [normalise_statement(s, ignore_sid=ignore_sids) for s in statements]
    out["Statement"] = sorted(normal, key=_sort_key)
    return out


def normalise_statement(statement: Mapping[str, Any], *, ignore_sid: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _LIST_KEYS:
            out[key] = string_set(value)
        elif key in _BLOCK_KEYS and isinstance(value, Mapping):
            out[key] = {k: _block(v) for k, v in value.items()}
        elif key != "Sid" or not ignore_sid:
            out[key] = value
    return out


def _block(value: Any) -> Any:
    """A principal's values or a condition operator's block: `"x"` and `["x"]` mean the same."""
    if isinstance(value, Mapping):
        return {k: string_set(v) for k, v in value.items()}
    return string_set(value)


def string_set(value: Any) -> list[str]:
    """A policy value as the sorted set of strings AWS compares (`"x"` and `["x"]` mean the same)."""
    values = value if isinstance(value, list) else [value]
    return sorted({_as_string(v) for v in values})


def _as_string(value: Any) -> str:
    """JSON scalars as AWS compares them: `true` and `"true"` are the same condition value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _sort_key(statement: Mapping[str, Any]) -> tuple[str, str]:
    return (str(statement.get("Sid", "")), json.dumps(statement, sort_keys=True))
