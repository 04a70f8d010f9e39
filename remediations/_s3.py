"""S3 bucket helpers shared by the modules that keep log buckets (org-cloudtrail, central-log-buckets).

Policies are compared semantically: statement order, Sids and one-item lists are ignored, so a policy
written by the console or another tool never shows as a difference when it means the same.
"""

from __future__ import annotations

import json
from typing import Any

from remediations._aws import or_absent

PUBLIC_ACCESS_BLOCK = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}


def read_bucket(s3: Any, bucket: str) -> dict[str, Any] | None:
    if or_absent(lambda: s3.head_bucket(Bucket=bucket), "404", "NoSuchBucket") is None:
        return None
    policy = or_absent(lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy")
    block = or_absent(
        lambda: s3.get_public_access_block(Bucket=bucket), "NoSuchPublicAccessBlockConfiguration"
    )
    config = (block or {}).get("PublicAccessBlockConfiguration")
    return {
        "policy": normalize_policy(json.loads(policy["Policy"])) if policy else None,
        "public_access_block": {k: bool(config.get(snake_to_pascal(k))) for k in PUBLIC_ACCESS_BLOCK}
        if config
        else None,
    }


def snake_to_pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def normalize_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """Equal policies compare equal: no Sids, values as sorted lists, statements sorted."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    normal = [_normalize_statement(s) for s in statements]
    return {
        "Version": policy.get("Version", "2008-10-17"),
        "Statement": sorted(normal, key=lambda s: json.dumps(s, sort_keys=True)),
    }


def _normalize_statement(statement: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in ("Action", "NotAction", "Resource", "NotResource"):
            out[key] = _sorted_list(value)
        elif key in ("Principal", "NotPrincipal", "Condition") and isinstance(value, dict):
            out[key] = {k: _normalize_block(v) for k, v in value.items()}
        elif key != "Sid":
            out[key] = value
    return out


def _normalize_block(value: Any) -> Any:
    """Principal values and condition operator blocks: `"x"` and `["x"]` mean the same."""
    if isinstance(value, dict):
        return {k: _sorted_list(v) for k, v in value.items()}
    return _sorted_list(value)


def _sorted_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))


def create_bucket(s3: Any, bucket: str, region: str) -> None:
    settings: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if region != "us-east-1":
        settings["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**settings)
