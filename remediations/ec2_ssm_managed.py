"""Every running EC2 instance is managed by Systems Manager (detect), so it can be patched and inventoried."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from remediations._compute import ec2_instances, instance_arn
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class Ec2SsmManagedParams(Params):
    """No parameters: an instance is in Systems Manager's inventory or it is not."""


class Ec2SsmManaged(Remediation[Ec2SsmManagedParams]):
    """Running EC2 instances are registered with Systems Manager (detect: the agent and role are per instance).

    Stopped and pending instances pass, as in Prowler (the agent can only report while running)."""

    name = "ec2-ssm-managed"
    scope = Scope.REGION
    risk = "low"  # detect only: nothing is written
    criteria = ("CC3.2", "CC7.1")
    prowler_checks = ("ec2_instance_managed_by_ssm",)
    config_rules = ("ec2-instance-managed-by-systems-manager",)
    securityhub_controls = ("SSM.1",)
    read_actions = ("ec2:DescribeInstances", "ssm:DescribeInstanceInformation")
    detect_only = True
    human_step = (
        "Give the instance the SSM agent (built into Amazon Linux and Windows AMIs) and an instance profile "
        "with AmazonSSMManagedInstanceCore, or turn on Default Host Management Configuration in Systems "
        "Manager for the region; check network access to the ssm, ssmmessages and ec2messages endpoints."
    )

    def read(self, ctx: TaskContext, params: Ec2SsmManagedParams) -> dict[str, Any]:
        managed = {
            info["InstanceId"]
            for info in paginate(
                ctx.client("ssm"), "describe_instance_information", "InstanceInformationList"
            )
        }
        return {
            instance_arn(ctx, i["InstanceId"]): {"managed_by_ssm": i["InstanceId"] in managed}
            for i in ec2_instances(ctx.client("ec2"), "running")
        }

    def desired(self, ctx: TaskContext, params: Ec2SsmManagedParams, observed: Any) -> dict[str, Any]:
        return {arn: {"managed_by_ssm": True} for arn in observed}
