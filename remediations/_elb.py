"""Reading load balancers of both generations for the ELB controls: every one, paginated, keyed by ARN."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from remediations._aws import paginate
from remediations._edge import classic_elb_arn
from soc2ctl.remediation import TaskContext

READ_ACTIONS = (
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
)


@dataclass(frozen=True)
class LoadBalancer:
    arn: str
    name: str
    kind: str  # application, network, gateway (v2) or classic
    listeners: tuple[dict[str, Any], ...] = ()  # classic only: its ListenerDescriptions

    @property
    def classic(self) -> bool:
        return self.kind == "classic"


def load_balancers(ctx: TaskContext, *, classic: bool = True) -> Iterator[LoadBalancer]:
    for lb in paginate(ctx.client("elbv2"), "describe_load_balancers", "LoadBalancers"):
        yield LoadBalancer(lb["LoadBalancerArn"], lb["LoadBalancerName"], lb.get("Type", "application"))
    if classic:
        for lb in paginate(ctx.client("elb"), "describe_load_balancers", "LoadBalancerDescriptions"):
            name = lb["LoadBalancerName"]
            yield LoadBalancer(
                classic_elb_arn(ctx, name), name, "classic", tuple(lb.get("ListenerDescriptions", []))
            )


def v2_attributes(ctx: TaskContext, arn: str) -> dict[str, str]:
    found = ctx.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    return {a["Key"]: a["Value"] for a in found}


def set_v2_attributes(ctx: TaskContext, arn: str, values: dict[str, str]) -> None:
    attributes = [{"Key": k, "Value": v} for k, v in values.items()]
    ctx.client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=attributes)


def classic_attributes(ctx: TaskContext, name: str) -> dict[str, Any]:
    elb = ctx.client("elb")
    return elb.describe_load_balancer_attributes(LoadBalancerName=name)["LoadBalancerAttributes"]
