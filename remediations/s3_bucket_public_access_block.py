"""Block Public Access on every S3 bucket, on top of the account-level block."""

from __future__ import annotations

from typing import Any

from remediations._aws import or_absent
from remediations._data import bucket_name, each_bucket
from remediations._s3 import BLOCK_FIELDS
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class S3BucketPublicAccessBlockParams(Params):
    block_public_acls: bool = True
    ignore_public_acls: bool = True
    block_public_policy: bool = True
    restrict_public_buckets: bool = True


class S3BucketPublicAccessBlock(Remediation[S3BucketPublicAccessBlockParams]):
    """Every S3 bucket has all four Block Public Access flags on (no bucket can be made public)."""

    name = "s3-bucket-public-access-block"
    scope = Scope.REGION
    risk = "medium"  # a bucket served publicly (a static website) stops being public: use an exception
    criteria = ("CC6.1", "CC6.6", "C1.1")
    # With all four flags, neither ACLs nor policies can make the bucket public: what both checks test.
    prowler_checks = ("s3_bucket_level_public_access_block", "s3_bucket_public_access")
    config_rules = ("s3-bucket-level-public-access-prohibited",)
    securityhub_controls = ("S3.8",)
    read_actions = ("s3:ListAllMyBuckets", "s3:GetBucketPublicAccessBlock")
    write_actions = ("s3:PutBucketPublicAccessBlock",)

    def read(self, ctx: TaskContext, params: S3BucketPublicAccessBlockParams) -> dict[str, Any]:
        def state(s3: Any, name: str) -> dict[str, Any]:
            found = or_absent(
                lambda: s3.get_public_access_block(Bucket=name), "NoSuchPublicAccessBlockConfiguration"
            )
            config = (found or {}).get("PublicAccessBlockConfiguration", {})
            return {k: bool(v) for k, v in BLOCK_FIELDS.from_aws(config, False).items()}

        return each_bucket(ctx, state)

    def desired(
        self, ctx: TaskContext, params: S3BucketPublicAccessBlockParams, observed: Any
    ) -> dict[str, Any]:
        """A flag already on stays on (stricter than the parameters is kept)."""
        want = params.model_dump()
        return {arn: {k: v or state[k] for k, v in want.items()} for arn, state in observed.items()}

    def apply(self, ctx: TaskContext, change: PlannedChange[S3BucketPublicAccessBlockParams]) -> None:
        s3 = ctx.client("s3")
        for arn in change.changed_keys():
            s3.put_public_access_block(
                Bucket=bucket_name(arn),
                PublicAccessBlockConfiguration=BLOCK_FIELDS.to_aws(change.desired[arn]),
            )
