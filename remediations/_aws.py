"""Small helpers shared by remediation modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def or_absent(call: Callable[[], T], *codes: str) -> T | None:
    """The call's result, or None when AWS says the thing does not exist (one of `codes`)."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def kms_arn(key: str | None, region: str, account_id: str) -> str | None:
    """Key ids and alias names as full ARNs, so `alias/x` and its ARN never show as a difference."""
    if not key or key.startswith("arn:"):
        return key
    if key.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account_id}:{key}"
    return f"arn:aws:kms:{region}:{account_id}:key/{key}"


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of a paginated list call (resource-level controls must never stop at page one)."""
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]
