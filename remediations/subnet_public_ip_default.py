"""No subnet gives new instances a public IPv4 address by default."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class SubnetPublicIpParams(Params):
    fix: bool = Field(
        default=False,
        description="Medium risk: turn the setting off (instances launched there without an explicit public "
        "IP are no longer reachable from the internet).",
    )


class SubnetPublicIpDefault(Remediation[SubnetPublicIpParams]):
    """Subnets do not auto-assign public IPv4 addresses, so an instance is public only when asked to be.

    Detect by default (default VPCs' subnets auto-assign, and workloads may rely on it); `fix: true` turns
    the setting off."""

    name = "subnet-public-ip-default"
    scope = Scope.REGION
    risk = "medium"  # new instances in these subnets get no public address unless they ask for one
    criteria = ("CC6.1", "CC6.6")
    prowler_checks = ("vpc_subnet_no_public_ip_by_default",)
    config_rules = ("subnet-auto-assign-public-ip-disabled",)
    securityhub_controls = ("EC2.15",)
    read_actions = ("ec2:DescribeSubnets",)
    write_actions = ("ec2:ModifySubnetAttribute",)
    human_step = (
        "Turn off auto-assign public IPv4 on the subnet once no workload launched there relies on it (or set "
        "`fix: true`); launch public instances with an explicit public IP or behind a load balancer."
    )

    def detects_only(self, params: SubnetPublicIpParams) -> bool:
        return not params.fix

    def read(self, ctx: TaskContext, params: SubnetPublicIpParams) -> dict[str, Any]:
        subnets = paginate(ctx.client("ec2"), "describe_subnets", "Subnets")
        return {
            ctx.arn("ec2", f"subnet/{s['SubnetId']}"): {
                "map_public_ip_on_launch": bool(s.get("MapPublicIpOnLaunch"))
            }
            for s in subnets
        }

    def desired(self, ctx: TaskContext, params: SubnetPublicIpParams, observed: Any) -> dict[str, Any]:
        return {arn: {"map_public_ip_on_launch": False} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[SubnetPublicIpParams]) -> None:
        ec2 = ctx.client("ec2")
        for arn in change.changed_keys():
            ec2.modify_subnet_attribute(SubnetId=arn.rsplit("/", 1)[1], MapPublicIpOnLaunch={"Value": False})
