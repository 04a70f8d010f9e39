"""Versioning on every S3 bucket: an overwrite or a delete keeps the previous version."""

from __future__ import annotations

from typing import Any

from remediations._data import bucket_name, each_bucket
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class S3BucketVersioning(Remediation[Params]):
    """Every S3 bucket keeps object versions (deleted and overwritten objects can be recovered)."""

    name = "s3-bucket-versioning"
    scope = Scope.REGION
    risk = "medium"  # storage grows by the noncurrent versions kept: cost people notice (add lifecycle rules)
    criteria = ("A1.2", "CC7.4", "PI1.5")
    prowler_checks = ("s3_bucket_object_versioning",)
    config_rules = ("s3-bucket-versioning-enabled",)
    securityhub_controls = ("S3.14",)
    read_actions = ("s3:ListAllMyBuckets", "s3:GetBucketVersioning")
    write_actions = ("s3:PutBucketVersioning",)  # never suspends versioning; MFA delete is left as found

    def read(self, ctx: TaskContext, params: Params) -> dict[str, Any]:
        def state(s3: Any, name: str) -> dict[str, Any]:
            return {"versioning": s3.get_bucket_versioning(Bucket=name).get("Status", "Disabled")}

        return each_bucket(ctx, state)

    def desired(self, ctx: TaskContext, params: Params, observed: Any) -> dict[str, Any]:
        return {arn: {"versioning": "Enabled"} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[Params]) -> None:
        s3 = ctx.client("s3")
        for arn in change.changed_keys():
            s3.put_bucket_versioning(Bucket=bucket_name(arn), VersioningConfiguration={"Status": "Enabled"})
