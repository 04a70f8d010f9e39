"""Server access logging on every S3 bucket, to a named log bucket of the same account and region.

Without a log bucket named, the control only reports the buckets that log nowhere. With one, every other
bucket of the region logs to it under `<prefix><bucket name>/`. Log buckets themselves (the named one, or
in detect mode any bucket other buckets of the region log to) are not required to log: a bucket logging
into itself would log its own deliveries. Prowler's check and Security Hub S3.9 flag them too; log them
to another bucket, or record an exception.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations import _preconditions
from remediations._data import bucket_arn, bucket_name, each_bucket
from soc2ctl.remediation import Params, PlannedChange, Remediation, Requirement, Scope, Target, TaskContext

DELIVERY = "logging.s3.amazonaws.com"


class S3BucketAccessLoggingParams(Params):
    target_bucket: str | None = Field(
        default=None,
        description="Log bucket in the same account and region (template it with {{ region }}); "
        "null: detect only.",
    )
    target_prefix: str = Field(default="", max_length=200, description="Put before `<bucket name>/`.")


class S3BucketAccessLogging(Remediation[S3BucketAccessLoggingParams]):
    """Every S3 bucket logs its requests (server access logging) to the named log bucket."""

    name = "s3-bucket-access-logging"
    scope = Scope.REGION
    risk = "low"  # adds log objects (storage cost); nothing that works stops working
    criteria = ("CC7.2", "CC7.3")
    # Every bucket includes the CloudTrail bucket: what cloudtrail_logs_s3_bucket_access_logging_enabled tests.
    prowler_checks = (
        "s3_bucket_server_access_logging_enabled",
        "cloudtrail_logs_s3_bucket_access_logging_enabled",
    )
    config_rules = ("s3-bucket-logging-enabled",)
    securityhub_controls = ("S3.9", "CloudTrail.7")
    read_actions = ("s3:ListAllMyBuckets", "s3:GetBucketLogging", "s3:ListBucket", "s3:GetBucketPolicy")
    write_actions = ("s3:PutBucketLogging",)
    detect_only = True
    human_step = (
        "Name a log bucket (target_bucket) in the bucket's account and region for soc2ctl to set, or enable "
        "server access logging on each listed bucket yourself."
    )

    def detects_only(self, params: S3BucketAccessLoggingParams) -> bool:
        return not params.target_bucket

    def requires(self, target: Target, params: S3BucketAccessLoggingParams) -> list[Requirement]:
        return [_preconditions.bucket(params.target_bucket, DELIVERY)] if params.target_bucket else []

    def read(self, ctx: TaskContext, params: S3BucketAccessLoggingParams) -> dict[str, Any]:
        def state(s3: Any, name: str) -> dict[str, Any]:
            found = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
            if not found:
                return {"logging": False, "target_bucket": None, "target_prefix": None}
            return {
                "logging": True,
                "target_bucket": found["TargetBucket"],
                "target_prefix": found.get("TargetPrefix", ""),
            }

        return each_bucket(ctx, state)

    def desired(self, ctx: TaskContext, params: S3BucketAccessLoggingParams, observed: Any) -> dict[str, Any]:
        """Detect: every bucket but the log buckets logs somewhere. Fix: every bucket but the log bucket
        logs to it."""
        if not params.target_bucket:
            targets = {bucket_arn(ctx, s["target_bucket"]) for s in observed.values() if s["target_bucket"]}
            return {arn: {"logging": True} for arn in observed if arn not in targets}
        target = bucket_arn(ctx, params.target_bucket)
        return {
            arn: {
                "logging": True,
                "target_bucket": params.target_bucket,
                "target_prefix": f"{params.target_prefix}{bucket_name(arn)}/",
            }
            for arn in observed
            if arn != target
        }

    def apply(self, ctx: TaskContext, change: PlannedChange[S3BucketAccessLoggingParams]) -> None:
        s3 = ctx.client("s3")
        for arn in change.changed_keys():
            want = change.desired[arn]
            s3.put_bucket_logging(
                Bucket=bucket_name(arn),
                BucketLoggingStatus={
                    "LoggingEnabled": {
                        "TargetBucket": want["target_bucket"],
                        "TargetPrefix": want["target_prefix"],
                    }
                },
            )
