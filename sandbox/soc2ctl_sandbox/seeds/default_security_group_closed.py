from typing import Any

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def _default_groups(ec2: Any) -> list[dict[str, Any]]:
    # The first EC2 call of an account and region makes moto create the default VPC and its default group.
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])
    return groups["SecurityGroups"]


def seed(ctx: SeedContext) -> None:
    """compliant: default groups emptied; drifted: SSH open to the world on the default group in us-east-1
    (closed elsewhere); fresh: AWS's defaults (all from itself in, all out)."""
    if ctx.posture == "fresh":
        return
    ec2 = ctx.client("ec2")
    for group in _default_groups(ec2):
        if ctx.posture == "drifted" and ctx.region == "us-east-1":
            ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[ssh])
            continue
        if group["IpPermissions"]:
            ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
        if group["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(
                GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
            )
