"""A small, honest evaluator of SCP Deny statements, for lockout guards.

Why it exists: an SCP that denies the executor role the actions soc2ctl needs would lock soc2ctl out of every
account under it, and a person then has to repair the organization from the management account by hand. Before
writing an SCP, a module asks "would any Deny statement of this policy apply to this principal, for this action,
in this region?". The answer must never be "no" when AWS could say "yes", so everything this evaluator does
not model (condition operators, condition keys, policy variables, specific resources) counts as "may deny".

What is modelled: `Action`/`NotAction` with `*` and `?` wildcards (case-insensitive, and the *needed* action may
itself be a wildcard such as `organizations:List*`), `Resource`/`NotResource` only as "all resources or maybe
not", and `Condition` with the String*, Arn* and Null operators (and their `IfExists` forms) on the keys
`aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:RequestedRegion`, matched with AWS's own wildcard rules
(`StringLike`/`ArnLike` know only `*` and `?`; `[O]` and `[!x]` are literal text, not fnmatch classes).
Anything else (an operator such as `ForAnyValue:StringLike`, a key such as `aws:SourceIp`, a policy variable,
an unknown statement element) makes a Deny "may deny", with the reason, so the guard fails closed.

`effective_denials` evaluates one root-to-account path as AWS does: a Deny in any SCP attached at any level
denies, and a level where no attached SCP certainly allows the action denies implicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from soc2ctl.policy.documents import normalise_policy, string_set

__all__ = ["Denial", "denials", "effective_denials", "normalise_policy"]

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
    reason: str = ""  # why it is only "may deny" (what the evaluator does not understand)
    policy: str = ""  # the policy (or path level) it comes from


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
        return any(glob_intersects(p, action) for p in string_set(statement["Action"]))
    if "NotAction" in statement:
        return not any(glob_covers(p, action) for p in string_set(statement["NotAction"]))
    return False


def resource_certain(statement: Mapping[str, Any]) -> bool:
    """Whether the statement applies to every resource (otherwise it may or may not hit ours)."""
    if "NotResource" in statement:
        return False
    return "*" in string_set(statement.get("Resource", "*"))


# ---------------------------------------------------------------- conditions


def request_context(principal_arn: str, region: str) -> dict[str, str]:
    """The condition keys this evaluator knows, lower-cased (condition key names are case-insensitive)."""
    parts = principal_arn.split(":")
    context = {"aws:principalarn": principal_arn, "aws:requestedregion": region}
    if len(parts) > 4 and parts[4]:
        context["aws:principalaccount"] = parts[4]
    return context


Verdict = tuple[bool | None, str]  # holds / does not / unknown, and why it is unknown


def condition_holds(condition: Any, context: Mapping[str, str]) -> bool | None:
    return condition_verdict(condition, context)[0]


def condition_verdict(condition: Any, context: Mapping[str, str]) -> Verdict:
    """True, False, or None with the reason when it cannot be known here (operator or key not understood,
    policy variables). A known False wins: all of a statement's conditions must hold for it to apply."""
    if not condition:
        return True, ""
    if not isinstance(condition, Mapping):
        return None, "Condition is not an object"
    results = [_operator_verdict(str(op), block, context) for op, block in condition.items()]
    return _combine(results)


def _combine(results: list[Verdict]) -> Verdict:
    if any(r[0] is False for r in results):
        return False, ""
    unknown = [r[1] for r in results if r[0] is None]
    return (None, unknown[0]) if unknown else (True, "")


def _operator_verdict(operator: str, block: Any, context: Mapping[str, str]) -> Verdict:
    base = operator.removesuffix("IfExists")
    if base != "Null" and base not in _KNOWN_OPERATORS:
        return None, f"condition operator {operator!r} is not understood"
    if not isinstance(block, Mapping):
        return None, f"condition operator {operator!r} has no key block"
    results = [_key_verdict(base, str(key), string_set(values), context) for key, values in block.items()]
    return _combine(results)


def _key_verdict(operator: str, key: str, values: list[str], context: Mapping[str, str]) -> Verdict:
    if key.lower() not in context:
        return None, f"condition key {key!r} is not modelled"
    actual = context[key.lower()]
    if operator == "Null":
        return all(v == "false" for v in values), ""  # every modelled key is present in every request
    if any("${" in v for v in values):
        return None, f"policy variable in {operator} {key}"
    hit = any(_value_matches(operator, actual, v) for v in values)
    return hit != (operator in _NEGATED_OPERATORS), ""


def _value_matches(operator: str, actual: str, expected: str) -> bool:
    base = operator.replace("Not", "")
    if base == "StringEquals":
        return actual == expected
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if base == "StringLike":
        return aws_like(actual, expected)
    return arn_like(actual, expected)  # ArnEquals and ArnLike both match wildcards per ARN component


@lru_cache(maxsize=4096)
def _like_pattern(pattern: str) -> re.Pattern[str]:
    """AWS's own wildcards: `*` any run, `?` one character; everything else, `[` included, is literal
    (fnmatch would read `[O]` as a character class and `[!x]` as a negation, which AWS does not)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def aws_like(value: str, pattern: str) -> bool:
    """StringLike: case-sensitive, `*` and `?` only."""
    return _like_pattern(pattern).fullmatch(value) is not None


def arn_like(arn: str, pattern: str) -> bool:
    """ArnLike: each of the six colon-separated components is matched on its own, so `*` never crosses a
    colon except inside the resource part."""
    have, want = arn.split(":", 5), pattern.split(":", 5)
    return len(have) == len(want) and all(aws_like(h, w) for h, w in zip(have, want, strict=True))


# ---------------------------------------------------------------- denials

_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"})


def statements_of(policy: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, statement) for every statement; the label is the Sid, or the position without one."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return [("#0", {"Effect": "?"})]
    return [
        (
            str(s.get("Sid") or f"#{i}") if isinstance(s, Mapping) else f"#{i}",
            dict(s) if isinstance(s, Mapping) else {"Effect": "?"},
        )
        for i, s in enumerate(statements)
    ]


def deny_statements(policy: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(label, s) for label, s in statements_of(policy) if s.get("Effect") == "Deny"]


def _unreadable(statement: Mapping[str, Any]) -> str:
    """Why a statement cannot be evaluated (fail closed), or "" when it can."""
    if statement.get("Effect") not in ("Allow", "Deny"):
        return f"statement Effect {statement.get('Effect')!r} is not understood"
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    return f"statement element(s) {', '.join(unknown)} not understood" if unknown else ""


def denials(
    policy: Mapping[str, Any],
    principals: Iterable[str],
    actions: Iterable[str],
    regions: Iterable[str],
    *,
    policy_name: str = "",
) -> list[Denial]:
    """Every (principal, action, region) that a Deny statement of `policy` denies or may deny; a statement
    this evaluator cannot read counts as denying everything, with the reason."""
    actions, principals, regions = sorted(set(actions)), sorted(set(principals)), sorted(set(regions))
    found: list[Denial] = []
    for label, statement in statements_of(policy):
        problem = _unreadable(statement)
        if not problem and statement.get("Effect") != "Deny":
            continue
        hit = actions if problem else [a for a in actions if action_applies(statement, a)]
        for principal in principals if hit else []:
            for region in regions:
                holds, reason = (
                    (None, problem)
                    if problem
                    else condition_verdict(statement.get("Condition"), request_context(principal, region))
                )
                if holds is False:
                    continue
                certain = bool(holds) and resource_certain(statement)
                if not reason and not resource_certain(statement):
                    reason = "specific resources (NotResource or not '*')"
                found += [Denial(label, principal, a, region, certain, reason, policy_name) for a in hit]
    return found


def allow_covers(statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement certainly allows every action matching `action` (conditions or specific
    resources make it uncertain, and uncertain is not allowed)."""
    if statement.get("Effect") != "Allow" or _unreadable(statement) or statement.get("Condition"):
        return False
    if not resource_certain(statement):
        return False
    if "Action" in statement:
        return any(glob_covers(p, action) for p in string_set(statement["Action"]))
    if "NotAction" in statement:
        return not any(glob_intersects(p, action) for p in string_set(statement["NotAction"]))
    return False


def missing_allows(
    level: str, policies: list[tuple[str, Mapping[str, Any]]], principal: str, actions: Iterable[str]
) -> list[Denial]:
    """SCPs filter: at every level of the path (root, each OU, the account) some attached policy must
    allow the action, or it is denied implicitly."""
    found = []
    for action in sorted(set(actions)):
        if not any(allow_covers(s, action) for _, doc in policies for _, s in statements_of(doc)):
            found.append(Denial(f"(no Allow at {level})", principal, action, "*", True, "", level))
    return found


def effective_denials(
    path: list[tuple[str, list[tuple[str, Mapping[str, Any]]]]],
    principals: Iterable[str],
    actions: Iterable[str],
    regions: Iterable[str],
) -> list[Denial]:
    """What AWS would deny along one root-to-account path: any Deny in any policy attached on the path,
    and any level where no attached policy allows the action."""
    principals, actions, regions = sorted(set(principals)), sorted(set(actions)), sorted(set(regions))
    found: list[Denial] = []
    for level, policies in path:
        for name, doc in policies:
            found += denials(doc, principals, actions, regions, policy_name=name)
        found += missing_allows(level, policies, principals[0], actions) if principals else []
    return found
