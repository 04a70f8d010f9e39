"""Every VPC's default security group allows no traffic: no inbound and no outbound rule."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

_PEERS = (  # (list in an IpPermission, key of the peer in its items)
    ("IpRanges", "CidrIp"),
    ("Ipv6Ranges", "CidrIpv6"),
    ("PrefixListIds", "PrefixListId"),
)


class DefaultSecurityGroupClosedParams(Params):
    """No parameters: a default group is closed or it is not."""


def _group_peer(pair: dict[str, Any], account_id: str) -> str:
    """`sg-1` for a group of this account, `<account>/sg-1` for another account's (peered VPCs)."""
    group = pair.get("GroupId") or pair.get("GroupName", "?")
    owner = pair.get("UserId")
    return group if owner in (None, account_id) else f"{owner}/{group}"


def normalise(permissions: list[dict[str, Any]], account_id: str) -> list[dict[str, Any]] | None:
    """One rule per peer, sorted, without descriptions: equal rule sets compare equal however AWS groups
    them. None when there is no rule, so closing a group shows as a `delete`."""
    rules = []
    for perm in permissions:
        base: dict[str, Any] = {"protocol": "all" if perm["IpProtocol"] == "-1" else perm["IpProtocol"]}
        if "FromPort" in perm and perm["IpProtocol"] != "-1":
            base.update(from_port=perm["FromPort"], to_port=perm.get("ToPort"))
        peers = [item[key] for field, key in _PEERS for item in perm.get(field, [])]
        peers += [_group_peer(pair, account_id) for pair in perm.get("UserIdGroupPairs", [])]
        rules += [{**base, "peer": peer} for peer in peers]
    return sorted(rules, key=lambda r: (r["protocol"], r.get("from_port", -1), r["peer"])) or None


class DefaultSecurityGroupClosed(Remediation[DefaultSecurityGroupClosedParams]):
    """Default security groups allow no traffic, so nothing is open by accident (CIS 5.4, FSBP EC2.2).

    AWS creates each default group with "all inbound from itself" and "all outbound" rules; both are revoked.
    Resources that still use a default group lose that traffic: give them their own groups first."""

    name = "default-security-group-closed"
    scope = Scope.REGION
    risk = "high"  # resources still using a default security group lose that traffic
    criteria = ("CC6.6",)
    prowler_checks = ("ec2_securitygroup_default_restrict_traffic",)
    config_rules = ("vpc-default-security-group-closed",)
    securityhub_controls = ("EC2.2",)
    read_actions = ("ec2:DescribeSecurityGroups",)
    write_actions = ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress")

    def read(self, ctx: TaskContext, params: DefaultSecurityGroupClosedParams) -> dict[str, Any]:
        return {
            ctx.arn("ec2", f"security-group/{group['GroupId']}"): {
                "vpc_id": group["VpcId"],
                "ingress": normalise(group.get("IpPermissions", []), ctx.account_id),
                "egress": normalise(group.get("IpPermissionsEgress", []), ctx.account_id),
            }
            for group in self._default_groups(ctx.client("ec2"))
        }

    @staticmethod
    def _default_groups(ec2: Any) -> list[dict[str, Any]]:
        """Default groups of VPCs (EC2-Classic groups have no VpcId and are out of scope)."""
        groups = paginate(
            ec2,
            "describe_security_groups",
            "SecurityGroups",
            Filters=[{"Name": "group-name", "Values": ["default"]}],
        )
        return [g for g in groups if g.get("VpcId") and g["GroupName"] == "default"]

    def desired(
        self, ctx: TaskContext, params: DefaultSecurityGroupClosedParams, observed: Any
    ) -> dict[str, Any]:
        return {arn: {"ingress": None, "egress": None} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[DefaultSecurityGroupClosedParams]) -> None:
        """Revoke exactly the permissions AWS reports now (read again, so the revoke matches them)."""
        ec2 = ctx.client("ec2")
        ids = [arn.rsplit("/", 1)[1] for arn in change.changed_keys()]
        if not ids:
            return
        for group in ec2.describe_security_groups(GroupIds=ids)["SecurityGroups"]:
            if group.get("IpPermissions"):
                ec2.revoke_security_group_ingress(
                    GroupId=group["GroupId"], IpPermissions=group["IpPermissions"]
                )
            if group.get("IpPermissionsEgress"):
                ec2.revoke_security_group_egress(
                    GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
                )
