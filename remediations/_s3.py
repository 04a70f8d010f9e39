"""S3 bucket helpers shared by the modules that keep log buckets (org-cloudtrail, central-log-buckets).

Policies are compared semantically (soc2ctl.policy.documents): statement order, Sids and one-item lists are ignored, so a policy
written by the console or another tool never shows as a difference when it means the same.
"""

from __future__ import annotations

import json
from typing import Any

from remediations._aws import FieldMap, normalise_policy, or_absent, pascal

PUBLIC_ACCESS_BLOCK = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}
BLOCK_FIELDS = FieldMap.of(*PUBLIC_ACCESS_BLOCK)


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
        "public_access_block": {k: bool(v) for k, v in BLOCK_FIELDS.from_aws(config, False).items()}
        if config
        else None,
    }


def snake_to_pascal(name: str) -> str:
    return pascal(name)


def normalize_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """Equal policies compare equal: the one normaliser (soc2ctl.policy.documents), Sids carrying no meaning."""
    return normalise_policy(policy, ignore_sids=True)


def create_bucket(s3: Any, bucket: str, region: str) -> None:
    settings: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if region != "us-east-1":
        settings["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**settings)


def ensure_bucket(
    s3: Any, bucket: str, region: str, current: dict[str, Any] | None, desired: dict[str, Any]
) -> None:
    """A log bucket as `read_bucket` reads it: created if absent, then its policy and Block Public Access."""
    if current is None:
        create_bucket(s3, bucket, region)
        current = {"policy": None, "public_access_block": None}
    if current["policy"] != desired["policy"]:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(desired["policy"]))
    if current["public_access_block"] != desired["public_access_block"]:
        config = BLOCK_FIELDS.to_aws(desired["public_access_block"])
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
