"""Deletion protection on every Application, Network and Gateway Load Balancer."""

from __future__ import annotations

from typing import Any

from remediations import _elb
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

ATTRIBUTE = "deletion_protection.enabled"


class ElbDeletionProtection(Remediation[Params]):
    """Every ALB, NLB and GWLB has deletion protection on (classic load balancers have no such setting)."""

    name = "elb-deletion-protection"
    scope = Scope.REGION
    risk = "low"  # only a delete is refused until the flag is turned off again
    criteria = ("A1.2",)
    prowler_checks = ("elbv2_deletion_protection",)
    config_rules = ("elb-deletion-protection-enabled",)
    securityhub_controls = ("ELB.6",)
    read_actions = _elb.READ_ACTIONS
    write_actions = ("elasticloadbalancing:ModifyLoadBalancerAttributes",)

    def read(self, ctx: TaskContext, params: Params) -> dict[str, Any]:
        return {
            lb.arn: {"deletion_protection": _elb.v2_attributes(ctx, lb.arn).get(ATTRIBUTE) == "true"}
            for lb in _elb.load_balancers(ctx, classic=False)
        }

    def desired(self, ctx: TaskContext, params: Params, observed: Any) -> dict[str, Any]:
        return {arn: {"deletion_protection": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[Params]) -> None:
        for arn in change.changed_keys():
            _elb.set_v2_attributes(ctx, arn, {ATTRIBUTE: "true"})
