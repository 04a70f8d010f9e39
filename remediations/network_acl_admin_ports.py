"""No network ACL lets the internet reach SSH, RDP or every port (detect)."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext

WORLD = {"CidrBlock": "0.0.0.0/0", "Ipv6CidrBlock": "::/0"}
ALL = "all"  # protocol -1: every port of every protocol


def admits(entries: list[dict[str, Any]], port: str) -> bool:
    """Whether inbound traffic from anywhere reaches `port` (a TCP port, or `all`): AWS applies the
    lowest-numbered rule that matches, so a deny for the world before the allow closes it."""
    for source, world in WORLD.items():
        rules = sorted((e for e in entries if not e["Egress"] and e.get(source) == world), key=_number)
        for rule in rules:
            if _covers(rule, port):
                if rule["RuleAction"] == "allow":
                    return True
                break
    return False


def _number(entry: dict[str, Any]) -> int:
    return entry["RuleNumber"]


def _covers(rule: dict[str, Any], port: str) -> bool:
    if rule["Protocol"] == "-1":
        return True
    if port == ALL or rule["Protocol"] != "6":
        return False
    span = rule.get("PortRange", {})
    return span.get("From", 0) <= int(port) <= span.get("To", 65535)


class NetworkAclAdminPortsParams(Params):
    """No parameters: the checked ports are those of Prowler's and Security Hub's checks (22, 3389, all)."""


class NetworkAclAdminPorts(Remediation[NetworkAclAdminPortsParams]):
    """Network ACLs admit no inbound traffic from the internet to SSH (22), RDP (3389) or every port.

    Detect only: a network ACL is stateless and shared by every subnet it is associated with, so a person
    who knows the subnets' traffic must narrow it (security groups stay the first line of defence)."""

    name = "network-acl-admin-ports"
    scope = Scope.REGION
    risk = "low"  # detect only: nothing is written
    criteria = ("CC6.1", "CC6.6")
    prowler_checks = (
        "ec2_networkacl_allow_ingress_any_port",
        "ec2_networkacl_allow_ingress_tcp_port_22",
        "ec2_networkacl_allow_ingress_tcp_port_3389",
    )
    config_rules = ("nacl-no-unrestricted-ssh-rdp",)
    securityhub_controls = ("EC2.21",)
    read_actions = ("ec2:DescribeNetworkAcls",)
    detect_only = True
    human_step = (
        "Add inbound deny rules for 0.0.0.0/0 and ::/0 on ports 22 and 3389 numbered below the allow rule (or "
        "narrow the allow rule to the networks that need it), after checking the traffic of the ACL's subnets."
    )

    def read(self, ctx: TaskContext, params: NetworkAclAdminPortsParams) -> dict[str, Any]:
        acls = paginate(ctx.client("ec2"), "describe_network_acls", "NetworkAcls")
        return {
            ctx.arn("ec2", f"network-acl/{acl['NetworkAclId']}"): {
                "open_to_internet": [p for p in (ALL, "22", "3389") if admits(acl.get("Entries", []), p)]
            }
            for acl in acls
        }

    def desired(self, ctx: TaskContext, params: NetworkAclAdminPortsParams, observed: Any) -> dict[str, Any]:
        return {arn: {"open_to_internet": []} for arn in observed}
