"""HTTPS and TLS listeners of every load balancer negotiate with a modern (TLS 1.2+) security policy."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations import _elb
from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

# Prowler's list of secure ALB/NLB policies (TLS 1.2 minimum, no CBC-SHA1 suites in the 2017+ sets).
MODERN_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
CLASSIC_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01"  # the one TLS 1.2-only predefined classic policy


class ElbTlsPolicyParams(Params):
    allowed_policies: list[str] = Field(default_factory=lambda: list(MODERN_POLICIES), min_length=1)
    policy: str = Field(
        default=MODERN_POLICIES[0], description="Set on ALB/NLB listeners outside allowed_policies."
    )
    classic_allowed_policies: list[str] = Field(default_factory=lambda: [CLASSIC_POLICY], min_length=1)
    classic_policy: str = CLASSIC_POLICY
    update_listeners: bool = Field(
        default=False, description="High risk: clients that only speak TLS 1.0/1.1 can no longer connect."
    )


class ElbTlsPolicy(Remediation[ElbTlsPolicyParams]):
    """Every HTTPS/TLS listener (ALB, NLB) and HTTPS/SSL listener (classic) uses an allowed security policy.

    Listeners are keyed by listener ARN; classic listeners, which have none, by `<load balancer ARN>/listener/
    <port>`. Detect by default; `update_listeners` sets `policy` (classic: a `soc2ctl-<policy>` listener
    policy referencing `classic_policy`)."""

    name = "elb-tls-policy"
    scope = Scope.REGION
    risk = "high"  # old clients (TLS 1.0/1.1, legacy ciphers) are cut off
    criteria = ("CC6.1", "CC6.7")
    prowler_checks = ("elbv2_insecure_ssl_ciphers", "elb_insecure_ssl_ciphers")
    config_rules = ("elb-predefined-security-policy-ssl-check", "elbv2-predefined-security-policy-ssl-check")
    securityhub_controls = ("ELB.8", "ELB.17")
    read_actions = (
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancerPolicies",
    )
    write_actions = (
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:CreateLoadBalancerPolicy",
        "elasticloadbalancing:SetLoadBalancerPoliciesOfListener",
    )
    detect_only = True
    human_step = (
        "Move each listed listener to an allowed security policy once its clients speak TLS 1.2 "
        "(or set update_listeners: true)."
    )

    def detects_only(self, params: ElbTlsPolicyParams) -> bool:
        return not params.update_listeners

    def read(self, ctx: TaskContext, params: ElbTlsPolicyParams) -> dict[str, Any]:
        found: dict[str, Any] = {}
        elbv2 = ctx.client("elbv2")
        for lb in _elb.load_balancers(ctx):
            if lb.classic:
                found.update(_classic_listeners(ctx, lb, params))
                continue
            for listener in paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=lb.arn):
                if listener.get("Protocol") in ("HTTPS", "TLS"):
                    policy = listener.get("SslPolicy")
                    found[listener["ListenerArn"]] = _state(policy, params.allowed_policies)
        return found

    def desired(self, ctx: TaskContext, params: ElbTlsPolicyParams, observed: Any) -> dict[str, Any]:
        want: dict[str, Any] = {}
        for key, state in observed.items():
            if not params.update_listeners or state["allowed"]:
                want[key] = {"allowed": True}
            else:
                policy = params.classic_policy if "/listener/" in key else params.policy
                want[key] = {"policy": policy, "allowed": True}
        return want

    def apply(self, ctx: TaskContext, change: PlannedChange[ElbTlsPolicyParams]) -> None:
        for key in change.changed_keys():
            wanted = change.desired[key]["policy"]
            if "/listener/" not in key:
                ctx.client("elbv2").modify_listener(ListenerArn=key, SslPolicy=wanted)
                continue
            lb_arn, _, port = key.rpartition("/listener/")
            name, policy_name = lb_arn.rsplit("/", 1)[-1], f"soc2ctl-{wanted}"
            elb = ctx.client("elb")
            existing = elb.describe_load_balancer_policies(LoadBalancerName=name)["PolicyDescriptions"]
            if not any(p["PolicyName"] == policy_name for p in existing):
                elb.create_load_balancer_policy(
                    LoadBalancerName=name,
                    PolicyName=policy_name,
                    PolicyTypeName="SSLNegotiationPolicyType",
                    PolicyAttributes=[
                        {"AttributeName": "Reference-Security-Policy", "AttributeValue": wanted}
                    ],
                )
            elb.set_load_balancer_policies_of_listener(
                LoadBalancerName=name, LoadBalancerPort=int(port), PolicyNames=[policy_name]
            )


def _state(policy: str | None, allowed: list[str]) -> dict[str, Any]:
    return {"policy": policy, "allowed": policy in allowed}


def _classic_listeners(ctx: TaskContext, lb: _elb.LoadBalancer, params: ElbTlsPolicyParams) -> dict[str, Any]:
    """HTTPS/SSL listeners of a classic load balancer, each with the predefined policy its negotiation
    policy references (Reference-Security-Policy), or None for a custom cipher list."""
    secure = [e for e in lb.listeners if e["Listener"].get("Protocol", "").upper() in ("HTTPS", "SSL")]
    if not secure:
        return {}
    described = ctx.client("elb").describe_load_balancer_policies(LoadBalancerName=lb.name)[
        "PolicyDescriptions"
    ]
    references = {
        p["PolicyName"]: a["AttributeValue"]
        for p in described
        for a in p.get("PolicyAttributeDescriptions", [])
        if a["AttributeName"] == "Reference-Security-Policy"
    }
    found: dict[str, Any] = {}
    for entry in secure:
        policy = next((references[n] for n in entry.get("PolicyNames", []) if n in references), None)
        key = f"{lb.arn}/listener/{entry['Listener']['LoadBalancerPort']}"
        found[key] = _state(policy, params.classic_allowed_policies)
    return found
