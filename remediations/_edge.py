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
    return ctx.arn(service, resource).replace(f":{ctx.account_id}:", "::", 1)


def any_account_arn(ctx: TaskContext, service: str, resource: str) -> str:
    """`arn:<partition>:<service>:*:*:<resource>`: a pattern for every region and account (backup selections)."""
    return ctx.arn(service, resource, region="*").replace(f":{ctx.account_id}:", ":*:", 1)


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


def grants_admin(raw: Any) -> bool:
    """Whether a policy allows `*` on `*` (Prowler's and Security Hub IAM.1's test of full administrator
    access): one Allow statement whose Action and Resource both include the bare wildcard."""
    for statement in _as_list(document(raw).get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "*" in _as_list(statement.get("Action", [])) and "*" in _as_list(statement.get("Resource", [])):
            return True
    return False
