"""Every EC2 instance requires IMDSv2 session tokens (or has the metadata service off)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._compute import ec2_instances, instance_arn
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class Ec2ImdsV2InstancesParams(Params):
    require: bool = Field(
        default=False,
        description="Set HttpTokens=required on instances that allow IMDSv1; false: report only.",
    )


def _compliant(options: dict[str, Any]) -> bool:
    return options.get("HttpTokens") == "required" or options.get("HttpEndpoint") == "disabled"


class Ec2ImdsV2Instances(Remediation[Ec2ImdsV2InstancesParams]):
    """EC2 instances (all but terminated) require IMDSv2 or disable the metadata service (detect; `require`
    fixes). The account default (`ec2-imdsv2-default`) covers new instances; this covers existing ones."""

    name = "ec2-imdsv2-instances"
    scope = Scope.REGION
    # Software on the instance that still uses IMDSv1 (old SDKs, agents) loses its credentials at once.
    risk = "high"
    criteria = ("CC6.1", "CC6.6")
    prowler_checks = ("ec2_instance_imdsv2_enabled",)
    config_rules = ("ec2-imdsv2-check",)
    securityhub_controls = ("EC2.8",)
    read_actions = ("ec2:DescribeInstances",)
    write_actions = ("ec2:ModifyInstanceMetadataOptions",)
    detect_only = True
    human_step = (
        "Check the instance's software uses IMDSv2 (SDKs from 2019 on do; CloudWatch metric MetadataNoToken "
        "counts IMDSv1 calls), then require tokens: set require: true, or modify-instance-metadata-options "
        "--http-tokens required."
    )

    def detects_only(self, params: Ec2ImdsV2InstancesParams) -> bool:
        return not params.require

    def read(self, ctx: TaskContext, params: Ec2ImdsV2InstancesParams) -> dict[str, Any]:
        found = {}
        for instance in ec2_instances(ctx.client("ec2")):
            options = instance.get("MetadataOptions", {})
            found[instance_arn(ctx, instance["InstanceId"])] = {
                "http_tokens": options.get("HttpTokens"),
                "imdsv2_enforced": _compliant(options),
            }
        return found

    def desired(self, ctx: TaskContext, params: Ec2ImdsV2InstancesParams, observed: Any) -> dict[str, Any]:
        return {arn: {"imdsv2_enforced": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[Ec2ImdsV2InstancesParams]) -> None:
        ec2 = ctx.client("ec2")
        for arn in change.changed_keys():
            ec2.modify_instance_metadata_options(InstanceId=arn.rsplit("/", 1)[1], HttpTokens="required")
