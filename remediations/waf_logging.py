"""Logging on every AWS WAF (v2) web ACL: regional ones in each region, CloudFront ones in us-east-1."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import or_absent
from remediations._edge import marker_pages
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

GLOBAL_REGION = "us-east-1"  # CLOUDFRONT-scope web ACLs are managed from here only


class WafLoggingParams(Params):
    log_destination: str | None = Field(
        default=None,
        min_length=14,
        max_length=2048,
        description="A log group name starting aws-waf-logs- (in the ACL's account and region), or the ARN of "
        "an aws-waf-logs-* log group, S3 bucket or Firehose stream; null: detect only.",
    )


class WafLogging(Remediation[WafLoggingParams]):
    """Every WAFv2 web ACL (REGIONAL, and CLOUDFRONT in us-east-1) has logging on (fix when a destination is
    named). An ACL already logging keeps its destination. Classic WAF web ACLs are not read (AWS retired
    classic WAF; migrate them to WAFv2)."""

    name = "waf-logging"
    scope = Scope.REGION
    risk = "low"  # adds log delivery; requests are untouched
    criteria = ("CC7.2", "CC7.3", "PI1.2")
    prowler_checks = ("wafv2_webacl_logging_enabled",)
    config_rules = ("wafv2-logging-enabled",)
    securityhub_controls = ("WAF.11",)
    read_actions = ("wafv2:ListWebACLs", "wafv2:GetLoggingConfiguration")
    # AWS checks the caller may set up delivery to a log group when logging is put. The destination must
    # already admit delivery.logs.amazonaws.com (the account's CloudWatch Logs resource policy, a bucket
    # policy): soc2ctl holds no resource-policy writes on `*` (tests/test_least_privilege.py).
    write_actions = (
        "wafv2:PutLoggingConfiguration",
        "logs:CreateLogDelivery",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    )
    detect_only = True
    human_step = "Name a log destination (log_destination: an aws-waf-logs-* log group) or turn logging on per web ACL."

    def detects_only(self, params: WafLoggingParams) -> bool:
        return params.log_destination is None

    def read(self, ctx: TaskContext, params: WafLoggingParams) -> dict[str, Any]:
        waf = ctx.client("wafv2")
        scopes = ("REGIONAL", "CLOUDFRONT") if ctx.region == GLOBAL_REGION else ("REGIONAL",)
        found: dict[str, Any] = {}
        for scope in scopes:
            for acl in marker_pages(waf.list_web_acls, "WebACLs", Scope=scope, Limit=100):
                config = or_absent(
                    lambda a=acl: waf.get_logging_configuration(ResourceArn=a["ARN"]),
                    "WAFNonexistentItemException",
                )
                destinations = (config or {}).get("LoggingConfiguration", {}).get("LogDestinationConfigs", [])
                found[acl["ARN"]] = {"logging": bool(destinations), "destinations": destinations}
        return found

    def desired(self, ctx: TaskContext, params: WafLoggingParams, observed: Any) -> dict[str, Any]:
        return {arn: {"logging": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[WafLoggingParams]) -> None:
        destination = str(change.params.log_destination)
        if not destination.startswith("arn:"):
            destination = ctx.arn("logs", f"log-group:{destination}")
        for arn in change.changed_keys():
            config = {"ResourceArn": arn, "LogDestinationConfigs": [destination]}
            ctx.client("wafv2").put_logging_configuration(LoggingConfiguration=config)
