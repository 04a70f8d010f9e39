"""A small, honest evaluator of SCP Deny statements, for lockout guards.

Why it exists: an SCP that denies the executor role the actions soc2ctl needs would lock soc2ctl out of every
account under it, and a person then has to repair the organization from the management account by hand. Before
writing an SCP, a module asks "would any Deny statement of this policy apply to this principal, for this action,
in this region?". The answer must never be "no" when AWS could say "yes", so everything this evaluator does
not model (condition operators, condition keys, policy variables, specific resources) counts as "may deny".

What is modelled: `Action`/`NotAction` with `*` and `?` wildcards (case-insensitive, and the *needed* action may
itself be a wildcard such as `organizations:List*`), `Resource`/`NotResource` only as "all resources or maybe
not", and `Condition` with the String*, Arn* and Null operators (and their `IfExists` forms) on the keys
`aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:RequestedRegion`. Allow statements are ignored: SCPs
grant nothing, and a missing Allow is not something a Deny guardrail introduces.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_NEGATED_OPERATORS = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
)
_KNOWN_OPERATORS = _NEGATED_OPERATORS | {
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
}


@dataclass(frozen=True)
class Denial:
    """One (statement, principal, action, region) that a policy denies, or may deny (`certain` False)."""

    statement: str
    principal_arn: str
    action: str
    region: str
    certain: bool


# ---------------------------------------------------------------- normalising


def normalise_policy(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The policy in a canonical form: key order, single-vs-list values, duplicate list items and statement
    order never make two equivalent policies look different in a diff."""
    out = {k: v for k, v in doc.items() if k != "Statement"}
    statements = doc.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    out["Statement"] = sorted((normalise_statement(s) for s in statements), key=_sort_key)
    return out


def normalise_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _LIST_KEYS:
            out[key] = _string_set(value)
        elif key == "Condition" and isinstance(value, Mapping):
            out[key] = {
                op: {k: _string_set(v) for k, v in block.items()} if isinstance(block, Mapping) else block
                for op, block in value.items()
            }
        else:
            out[key] = value
    return out


def _string_set(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return sorted({_as_string(v) for v in values})


def _as_string(value: Any) -> str:
    """JSON scalars as AWS compares them: `true` and `"true"` are the same condition value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _sort_key(statement: Mapping[str, Any]) -> tuple[str, str]:
    return (str(statement.get("Sid", "")), json.dumps(statement, sort_keys=True))


# ---------------------------------------------------------------- wildcards


@lru_cache(maxsize=65536)
def glob_intersects(a: str, b: str) -> bool:
    """Whether some string matches both `*`/`?` patterns (case-insensitive), e.g. `s3:*` and `*Object`."""
    return _intersects(a.lower(), b.lower(), 0, 0, {})


def _intersects(a: str, b: str, i: int, j: int, memo: dict[tuple[int, int], bool]) -> bool:
    if (i, j) in memo:
        return memo[(i, j)]
    if i == len(a) and j == len(b):
        found = True
    elif i < len(a) and a[i] == "*":
        found = _intersects(a, b, i + 1, j, memo) or (j < len(b) and _intersects(a, b, i, j + 1, memo))
    elif j < len(b) and b[j] == "*":
        found = _intersects(a, b, i, j + 1, memo) or (i < len(a) and _intersects(a, b, i + 1, j, memo))
    elif i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
        found = _intersects(a, b, i + 1, j + 1, memo)
    else:
        found = False
    memo[(i, j)] = found
    return found


@lru_cache(maxsize=65536)
def glob_covers(pattern: str, wanted: str) -> bool:
    """Whether every string matching `wanted` also matches `pattern` (sound; case-insensitive). A `*` in
    `wanted` is covered only by a `*` in `pattern`, a `?` by `?` or `*`."""
    return _covers(pattern.lower(), wanted.lower(), 0, 0, {})


def _covers(p: str, w: str, i: int, j: int, memo: dict[tuple[int, int], bool]) -> bool:
    if (i, j) in memo:
        return memo[(i, j)]
    if i == len(p):
        found = j == len(w)
    elif p[i] == "*":
        found = _covers(p, w, i + 1, j, memo) or (j < len(w) and _covers(p, w, i, j + 1, memo))
    elif j < len(w) and w[j] != "*" and (p[i] == w[j] or (p[i] == "?" and w[j] != "*")):
        found = _covers(p, w, i + 1, j + 1, memo)
    else:
        found = False
    memo[(i, j)] = found
    return found


def action_applies(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action/NotAction block can apply to some action matching `action`."""
    if "Action" in statement:
        return any(glob_intersects(p, action) for p in _string_set(statement["Action"]))
    if "NotAction" in statement:
        return not any(glob_covers(p, action) for p in _string_set(statement["NotAction"]))
    return False


def resource_certain(statement: Mapping[str, Any]) -> bool:
    """Whether the statement applies to every resource (otherwise it may or may not hit ours)."""
    if "NotResource" in statement:
        return False
    return "*" in _string_set(statement.get("Resource", "*"))


# ---------------------------------------------------------------- conditions


def request_context(principal_arn: str, region: str) -> dict[str, str]:
    """The condition keys this evaluator knows, lower-cased (condition key names are case-insensitive)."""
    parts = principal_arn.split(":")
    context = {"aws:principalarn": principal_arn, "aws:requestedregion": region}
    if len(parts) > 4 and parts[4]:
        context["aws:principalaccount"] = parts[4]
    return context


def condition_holds(condition: Any, context: Mapping[str, str]) -> bool | None:
    """True, False, or None when it cannot be known here (unknown operator or key, policy variables)."""
    if not condition:
        return True
    if not isinstance(condition, Mapping):
        return None
    results = [_operator_holds(op, block, context) for op, block in condition.items()]
    if False in results:
        return False
    return None if None in results else True


def _operator_holds(operator: str, block: Any, context: Mapping[str, str]) -> bool | None:
    base = operator.removesuffix("IfExists")
    if not isinstance(block, Mapping):
        return None
    results = [_key_holds(base, key.lower(), _string_set(values), context) for key, values in block.items()]
    if False in results:
        return False
    return None if None in results else True


def _key_holds(operator: str, key: str, values: list[str], context: Mapping[str, str]) -> bool | None:
    if key not in context:
        return None  # a key this evaluator does not model: its value (or absence) is unknown
    if operator == "Null":
        return all(v == "false" for v in values)  # every modelled key is present in every request
    if operator not in _KNOWN_OPERATORS:
        return None
    matches = [_value_matches(operator, context[key], v) for v in values]
    if True in matches:
        return operator not in _NEGATED_OPERATORS
    if None in matches:
        return None
    return operator in _NEGATED_OPERATORS


def _value_matches(operator: str, actual: str, expected: str) -> bool | None:
    if "${" in expected:
        return None  # a policy variable: its value is not known here
    base = operator.replace("Not", "")
    if base == "StringEquals":
        return actual == expected
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if base == "StringLike":
        return fnmatch.fnmatchcase(actual, expected)
    return arn_like(actual, expected)  # ArnEquals and ArnLike both match wildcards per ARN component


def arn_like(arn: str, pattern: str) -> bool:
    """ArnLike: each of the six colon-separated components is matched on its own, so `*` never crosses a
    colon except inside the resource part."""
    have, want = arn.split(":", 5), pattern.split(":", 5)
    return len(have) == len(want) and all(fnmatch.fnmatchcase(h, w) for h, w in zip(have, want, strict=True))


# ---------------------------------------------------------------- denials


def deny_statements(policy: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, statement) for every Deny statement; the label is the Sid, or the position without one."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return [
        (str(s.get("Sid") or f"#{i}"), dict(s))
        for i, s in enumerate(statements)
        if isinstance(s, Mapping) and s.get("Effect") == "Deny"
    ]


def denials(
    policy: Mapping[str, Any], principals: Iterable[str], actions: Iterable[str], regions: Iterable[str]
) -> list[Denial]:
    """Every (principal, action, region) that a Deny statement of `policy` denies or may deny."""
    actions, principals, regions = sorted(set(actions)), sorted(set(principals)), sorted(set(regions))
    found: list[Denial] = []
    for label, statement in deny_statements(policy):
        hit = [a for a in actions if action_applies(statement, a)]
        if not hit:
            continue
        for principal in principals:
            for region in regions:
                holds = condition_holds(statement.get("Condition"), request_context(principal, region))
                if holds is False:
                    continue
                certain = bool(holds) and resource_certain(statement)
                found += [Denial(label, principal, a, region, certain) for a in hit]
    return found
