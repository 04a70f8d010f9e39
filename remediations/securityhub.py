"""Security Hub on in every account and region, with the chosen security standards subscribed."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from remediations._aws import or_absent, paginate, partitions
from remediations._preconditions import hub_resource
from soc2ctl.remediation import Params, PlannedChange, Remediation, Resource, Scope, Target, TaskContext

# AWS Foundational Security Best Practices + CIS 1.4.0, the CIS version most SOC 2 control mappings cite;
# moving to CIS 3.0.0 is a change of the playbook var, not of this module.
DEFAULT_STANDARDS = (
    "aws-foundational-security-best-practices/v/1.0.0",
    "cis-aws-foundations-benchmark/v/1.4.0",
)
_STANDARD_ID = re.compile(r"^(ruleset/)?[a-z0-9-]+/v/[0-9.]+$")
# A subscription in these states counts as on: PENDING right after enabling (AWS takes a while to reach
# READY, and verification must not fail on that), INCOMPLETE when only some controls could be enabled.
_ON = frozenset({"PENDING", "READY", "INCOMPLETE"})
_BATCH = 25  # the API's limit of standards per Batch{Enable,Disable}Standards call


class SecurityHubParams(Params):
    standards: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STANDARDS),
        description="Standards as `<name>/v/<version>` (made region-specific here) or full standards ARNs.",
    )
    disable_unlisted: bool = Field(
        default=False, description="Also unsubscribe enabled standards that are not listed (off: left alone)."
    )

    @field_validator("standards")
    @classmethod
    def _known_shape(cls, value: list[str]) -> list[str]:
        bad = [s for s in value if not (s.startswith("arn:") or _STANDARD_ID.match(s))]
        if bad:
            raise ValueError(f"not a standard id or ARN: {', '.join(bad)} (e.g. {DEFAULT_STANDARDS[0]})")
        return value


def standards_arn(standard: str, region: str) -> str:
    """Short ids as the region's ARN: playbook vars are shared by all regions, standards ARNs are not."""
    if standard.startswith("arn:"):
        return standard
    partition = partitions.for_region(region)
    if standard.startswith("ruleset/"):  # CIS 1.2.0, the one global ARN (of the partition)
        return partitions.arn(partition, "securityhub", "", "", standard)
    return partitions.arn(partition, "securityhub", region, "", f"standards/{standard}")


class SecurityHub(Remediation[SecurityHubParams]):
    """Security Hub is on with the chosen standards: the per-account part of securityhub-org."""

    name = "securityhub"
    scope = Scope.REGION
    risk = "low"  # adds security checks; disable_unlisted unsubscribes standards
    criteria = ("CC4.1", "CC7.1")
    prowler_checks = ("securityhub_enabled",)
    config_rules = ("securityhub-enabled",)
    read_actions = ("securityhub:DescribeHub", "securityhub:GetEnabledStandards")
    write_actions = (
        "securityhub:EnableSecurityHub",
        "securityhub:BatchEnableStandards",
        "securityhub:BatchDisableStandards",
        "iam:CreateServiceLinkedRole",  # EnableSecurityHub creates AWSServiceRoleForSecurityHub
    )

    def provides(self, target: Target, params: SecurityHubParams) -> list[Resource]:
        return [hub_resource(target.account_id, target.region)]

    def read(self, ctx: TaskContext, params: SecurityHubParams) -> dict[str, Any]:
        sh = ctx.client("securityhub")
        hub = or_absent(sh.describe_hub, "InvalidAccessException", "ResourceNotFoundException")
        if hub is None:
            return {"hub": None, "subscriptions": {}}
        subscriptions = {
            s["StandardsArn"]: s["StandardsSubscriptionArn"]
            for s in paginate(sh, "get_enabled_standards", "StandardsSubscriptions")
            if s["StandardsStatus"] in _ON
        }
        wanted = {standards_arn(s, ctx.region): False for s in params.standards}
        return {
            "hub": {"standards": {**wanted, **dict.fromkeys(subscriptions, True)}},
            "subscriptions": subscriptions,  # standards ARN -> subscription ARN, for disabling; not diffed
        }

    def desired(self, ctx: TaskContext, params: SecurityHubParams, observed: Any) -> dict[str, Any]:
        standards = {standards_arn(s, ctx.region): True for s in params.standards}
        if params.disable_unlisted:
            standards = {**dict.fromkeys(observed["subscriptions"], False), **standards}
        return {"hub": {"standards": standards}}

    def apply(self, ctx: TaskContext, change: PlannedChange[SecurityHubParams]) -> None:
        observed = change.observed
        sh = ctx.client("securityhub")
        if observed["hub"] is None:
            # Default standards would subscribe CIS 1.2.0 behind the playbook's back: only what is asked for.
            sh.enable_security_hub(EnableDefaultStandards=False)
        want = change.desired["hub"]["standards"]
        have = observed["subscriptions"]
        enable = [arn for arn, on in want.items() if on and arn not in have]
        disable = [have[arn] for arn, on in want.items() if not on and arn in have]
        for chunk in _chunks(enable):
            sh.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": a} for a in chunk])
        for chunk in _chunks(disable):
            sh.batch_disable_standards(StandardsSubscriptionArns=chunk)


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]
