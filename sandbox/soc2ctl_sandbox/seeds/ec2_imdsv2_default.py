from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: IMDSv2 required by default everywhere; drifted: optional in us-east-1 only."""
    ec2 = ctx.client("ec2")
    if ctx.posture == "compliant" or (ctx.posture == "drifted" and ctx.region != "us-east-1"):
        ec2.modify_instance_metadata_defaults(HttpTokens="required")
    elif ctx.posture == "drifted":
        ec2.modify_instance_metadata_defaults(HttpTokens="optional")
