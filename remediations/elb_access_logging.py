"""Access logs on every load balancer (ALB, NLB and classic), delivered to S3."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations import _elb
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class ElbAccessLoggingParams(Params):
    log_bucket: str | None = Field(
        default=None,
        min_length=3,
        max_length=63,
        description="S3 bucket that admits ELB log delivery (same region); null: detect only.",
    )
    log_prefix: str | None = Field(default=None, max_length=200, description="Key prefix; null: none.")


class ElbAccessLogging(Remediation[ElbAccessLoggingParams]):
    """Every ALB, NLB and classic load balancer writes access logs to S3 (fix when a log bucket is named).

    A load balancer already logging keeps its bucket: only those not logging are pointed at `log_bucket`.
    Gateway Load Balancers have no access logs and are not listed. The bucket's policy must admit the
    region's Elastic Load Balancing delivery (see the ELB user guide); AWS refuses the change otherwise."""

    name = "elb-access-logging"
    scope = Scope.REGION
    risk = "low"  # adds log delivery (storage cost); traffic is untouched
    criteria = ("CC7.2", "CC7.3", "PI1.2")
    prowler_checks = ("elbv2_logging_enabled", "elb_logging_enabled")
    config_rules = ("elb-logging-enabled",)
    securityhub_controls = ("ELB.5",)
    read_actions = _elb.READ_ACTIONS
    write_actions = ("elasticloadbalancing:ModifyLoadBalancerAttributes",)
    detect_only = True
    human_step = "Name a log bucket (log_bucket) whose policy admits ELB delivery, or turn access logs on per load balancer."

    def detects_only(self, params: ElbAccessLoggingParams) -> bool:
        return params.log_bucket is None

    def read(self, ctx: TaskContext, params: ElbAccessLoggingParams) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for lb in _elb.load_balancers(ctx):
            if lb.classic:
                log = _elb.classic_attributes(ctx, lb.name).get("AccessLog", {})
                found[lb.arn] = {"access_logs": bool(log.get("Enabled")), "bucket": log.get("S3BucketName")}
            elif lb.kind != "gateway":
                attrs = _elb.v2_attributes(ctx, lb.arn)
                enabled = attrs.get("access_logs.s3.enabled") == "true"
                found[lb.arn] = {"access_logs": enabled, "bucket": attrs.get("access_logs.s3.bucket") or None}
        return found

    def desired(self, ctx: TaskContext, params: ElbAccessLoggingParams, observed: Any) -> dict[str, Any]:
        return {arn: {"access_logs": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[ElbAccessLoggingParams]) -> None:
        bucket, prefix = change.params.log_bucket, change.params.log_prefix or ""
        for arn in change.changed_keys():
            if ":loadbalancer/app/" in arn or ":loadbalancer/net/" in arn:
                _elb.set_v2_attributes(
                    ctx,
                    arn,
                    {
                        "access_logs.s3.enabled": "true",
                        "access_logs.s3.bucket": str(bucket),
                        "access_logs.s3.prefix": prefix,
                    },
                )
            else:
                log = {"Enabled": True, "S3BucketName": bucket, "S3BucketPrefix": prefix, "EmitInterval": 60}
                ctx.client("elb").modify_load_balancer_attributes(
                    LoadBalancerName=arn.rsplit("/", 1)[-1], LoadBalancerAttributes={"AccessLog": log}
                )
