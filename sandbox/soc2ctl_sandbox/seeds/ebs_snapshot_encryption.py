"""compliant: one encrypted snapshot (us-east-1); drifted: one unencrypted snapshot; fresh: no snapshots."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != "us-east-1":
        return
    ec2 = ctx.client("ec2")
    encrypted = ctx.posture == "compliant"
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1, Encrypted=encrypted)["VolumeId"]
    ec2.create_snapshot(VolumeId=volume, Description=f"{ctx.name} nightly backup")
