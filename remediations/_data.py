"""Helpers of the data-protection controls (S3 buckets, DynamoDB tables, secrets, keys, logs, queues).

S3 buckets are global by name but live in one region, and their settings are written through that region.
The bucket controls are region-scoped: each task lists only its region's buckets (ListBuckets'
`BucketRegion` filter, paginated), so every bucket is read once per account, by the task whose region
holds it, with clients of that region. Per-region parameters (a KMS key, a log bucket: both must be in the
bucket's region) are then plain templated values (`{{ region }}`), and the playbook's region list bounds
the work as it does for every other regional resource.
"""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import TaskContext

BUCKET_PAGE = 1000  # ListBuckets page size (MaxBuckets): accounts may hold up to 10,000 buckets or more


def partition(ctx: TaskContext) -> str:
    """The task's partition (`aws`, `aws-cn`, `aws-us-gov`), as the context builds ARNs."""
    return ctx.arn("s3", "-").split(":", 2)[1]


def bucket_arn(ctx: TaskContext, name: str) -> str:
    """S3 bucket ARNs name no region and no account."""
    return f"arn:{partition(ctx)}:s3:::{name}"


def bucket_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def region_buckets(ctx: TaskContext) -> list[str]:
    """Names of the account's buckets in the task's region, every page."""
    s3 = ctx.client("s3")
    found = paginate(
        s3, "list_buckets", "Buckets", BucketRegion=ctx.region, PaginationConfig={"PageSize": BUCKET_PAGE}
    )
    return [b["Name"] for b in found]


def each_bucket(ctx: TaskContext, read: Any) -> dict[str, Any]:
    """`{bucket ARN: read(s3, name)}` for every bucket of the region."""
    s3 = ctx.client("s3")
    return {bucket_arn(ctx, name): read(s3, name) for name in region_buckets(ctx)}


def key_arn(ctx: TaskContext, key: str | None) -> str | None:
    """A KMS key id, key ARN, alias name or alias ARN as the key's ARN, so two spellings of one key never
    show as a difference (AWS stores whichever spelling was written)."""
    if not key:
        return key
    return ctx.client("kms").describe_key(KeyId=key)["KeyMetadata"]["Arn"]


def table_names(ctx: TaskContext) -> list[str]:
    return paginate(ctx.client("dynamodb"), "list_tables", "TableNames")
