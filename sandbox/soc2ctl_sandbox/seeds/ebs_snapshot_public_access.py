from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: block-all-sharing everywhere; drifted: only new sharing blocked, in us-east-1 only."""
    ec2 = ctx.client("ec2")
    if ctx.posture == "compliant" or (ctx.posture == "drifted" and ctx.region != "us-east-1"):
        ec2.enable_snapshot_block_public_access(State="block-all-sharing")
    elif ctx.posture == "drifted":
        ec2.enable_snapshot_block_public_access(State="block-new-sharing")
