"""compliant: no subnet auto-assigns public IPv4 addresses; drifted: the default subnets do, as AWS leaves
them; fresh: as AWS leaves them."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture != "compliant":
        return
    ec2 = ctx.client("ec2")
    for subnet in ec2.describe_subnets()["Subnets"]:
        if subnet.get("MapPublicIpOnLaunch"):
            ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": False})
