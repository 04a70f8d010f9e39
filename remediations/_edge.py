"""Helpers shared by the edge controls (load balancers, WAF, CloudFront, API Gateway) and the IAM policy
controls: ARNs AWS's own APIs do not return, marker-paged lists botocore has no paginator for, and the one
test of an administrator statement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from soc2ctl.remediation import TaskContext


def classic_elb_arn(ctx: TaskContext, name: str) -> str:
    """Classic load balancers have no ARN in their API; IAM names them `loadbalancer/<name>`."""
    return ctx.arn("elasticloadbalancing", f"loadbalancer/{name}")


def regional_arn(ctx: TaskContext, service: str, resource: str) -> str:
    """An ARN with no account field (API Gateway's `arn:<partition>:apigateway:<region>::/restapis/...`)."""
    return ctx.arn(service, resource, account_id="")


def any_account_arn(ctx: TaskContext, service: str, resource: str) -> str:
    """`arn:<partition>:<service>:*:*:<resource>`: a pattern for every region and account (backup selections)."""
    return ctx.arn(service, resource, region="*", account_id="*")


def marker_pages(call: Any, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a list call paged by `NextMarker` (WAFv2 has no botocore paginators)."""
    marker: str | None = None
    while True:
        page = call(**kwargs, **({"NextMarker": marker} if marker else {}))
        yield from page.get(key, [])
        marker = page.get("NextMarker")
        if not marker or not page.get(key):
            return


def document(raw: Any) -> dict[str, Any]:
    """A policy document as IAM returns it: a dict from boto3, or URL-encoded JSON text."""
    if isinstance(raw, str):
        return json.loads(unquote(raw))
    return raw or {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(action: Any, service: str) -> bool:
    """Whether an action pattern covers every action of `service` (`*`, `<service>:*`; `*` for service `*`)."""
    text = str(action).lower()
    return text == "*" or (service != "*" and text == f"{service}:*")


def grants_full(service: str, raw: Any) -> bool:
    """Whether a policy allows every action of `service` (`*`: every action at all) on `*`, as Prowler's
    full-access and administrator checks test: an Allow of `*` or `<service>:*` on `*`, not cut down by a
    Deny of any of that service's actions."""
    statements = [s for s in _as_list(document(raw).get("Statement", [])) if isinstance(s, dict)]
    for statement in statements:
        if statement.get("Effect") != "Allow" or "*" not in _as_list(statement.get("Resource", [])):
            continue
        if any(_matches(a, service) for a in _as_list(statement.get("Action", []))):
            return not any(_denies(d, service) for d in statements)
    return False


def _denies(statement: dict[str, Any], service: str) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    prefix = "" if service == "*" else f"{service}:"
    return any(str(a).lower().startswith(prefix) or a == "*" for a in _as_list(statement.get("Action", [])))


def grants_admin(raw: Any) -> bool:
    """Full administrator access: `*` on `*` (Prowler's and Security Hub IAM.1's test)."""
    return grants_full("*", raw)
