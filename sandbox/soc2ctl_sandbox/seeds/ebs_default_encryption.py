from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "compliant" or (ctx.posture == "drifted" and ctx.region == "us-east-1"):
        ctx.client("ec2").enable_ebs_encryption_by_default()
