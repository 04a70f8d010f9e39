"""compliant: the default VPC's network ACL admits the internet only on 443; drifted: as AWS leaves it (all
traffic from anywhere) plus an SSH rule; fresh: as AWS leaves it."""

from typing import Any

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    ec2 = ctx.client("ec2")
    for acl in ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"]:
        acl_id = acl["NetworkAclId"]
        if ctx.posture == "drifted":
            _admit_from_anywhere(ec2, acl_id, rule=90, port=22)
            continue
        for entry in acl["Entries"]:
            if not entry["Egress"] and entry["RuleNumber"] < 32767:
                ec2.delete_network_acl_entry(
                    NetworkAclId=acl_id, RuleNumber=entry["RuleNumber"], Egress=False
                )
        _admit_from_anywhere(ec2, acl_id, rule=100, port=443)


def _admit_from_anywhere(ec2: Any, acl_id: str, *, rule: int, port: int) -> None:
    """An inbound rule letting TCP `port` in from the whole internet."""
    ec2.create_network_acl_entry(
        NetworkAclId=acl_id,
        RuleNumber=rule,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": port, "To": port},
    )
