"""Access logging on every CloudFront distribution."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class CloudFrontLoggingParams(Params):
    log_bucket: str | None = Field(
        default=None,
        min_length=3,
        max_length=63,
        description="S3 bucket (ACLs enabled) for standard logs; null: detect only.",
    )
    log_prefix: str = Field(default="", max_length=200)


class CloudFrontLogging(Remediation[CloudFrontLoggingParams]):
    """Every CloudFront distribution logs requests: standard logging, or a real-time log configuration on
    its default cache behaviour (fix when a log bucket is named: standard logging to it).

    A distribution already logging keeps its destination. CloudFront is global: one task per account."""

    name = "cloudfront-logging"
    scope = Scope.ACCOUNT
    risk = "low"  # adds log delivery (a distribution update redeploys its config; traffic is untouched)
    criteria = ("CC7.2", "CC7.3", "PI1.2")
    prowler_checks = ("cloudfront_distributions_logging_enabled",)
    config_rules = ("cloudfront-accesslogs-enabled",)
    securityhub_controls = ("CloudFront.5",)
    read_actions = ("cloudfront:ListDistributions", "cloudfront:GetDistributionConfig")
    # CloudFront checks the bucket ACL as the caller; the ACL must already grant its log delivery account
    # (awslogsdelivery) FULL_CONTROL: soc2ctl holds no ACL writes on `*` (tests/test_least_privilege.py).
    write_actions = ("cloudfront:UpdateDistribution", "s3:GetBucketAcl")
    detect_only = True
    human_step = (
        "Name a log bucket (log_bucket: ACLs enabled, granting awslogsdelivery FULL_CONTROL) or turn on "
        "logging per distribution."
    )

    def detects_only(self, params: CloudFrontLoggingParams) -> bool:
        return params.log_bucket is None

    def read(self, ctx: TaskContext, params: CloudFrontLoggingParams) -> dict[str, Any]:
        cloudfront = ctx.client("cloudfront")
        found: dict[str, Any] = {}
        for page in cloudfront.get_paginator("list_distributions").paginate():
            for item in page["DistributionList"].get("Items", []):
                config = cloudfront.get_distribution_config(Id=item["Id"])["DistributionConfig"]
                standard = bool(config.get("Logging", {}).get("Enabled"))
                realtime = bool(config.get("DefaultCacheBehavior", {}).get("RealtimeLogConfigArn"))
                found[item["ARN"]] = {"logging": standard or realtime}
        return found

    def desired(self, ctx: TaskContext, params: CloudFrontLoggingParams, observed: Any) -> dict[str, Any]:
        return {arn: {"logging": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[CloudFrontLoggingParams]) -> None:
        cloudfront = ctx.client("cloudfront")
        logging = {
            "Enabled": True,
            "IncludeCookies": False,
            "Bucket": f"{change.params.log_bucket}.s3.amazonaws.com",
            "Prefix": change.params.log_prefix,
        }
        for arn in change.changed_keys():
            distribution_id = arn.rsplit("/", 1)[-1]
            found = cloudfront.get_distribution_config(Id=distribution_id)  # the ETag guards the update
            config = {**found["DistributionConfig"], "Logging": logging}
            cloudfront.update_distribution(
                Id=distribution_id, IfMatch=found["ETag"], DistributionConfig=config
            )
