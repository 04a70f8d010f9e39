"""Inspector v2: compliant = EC2, ECR and Lambda scans; drifted = EC2 only in us-east-1; fresh = off."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    drifted = ctx.posture == "drifted" and ctx.region == "us-east-1"
    ctx.client("inspector2").enable(
        accountIds=[ctx.account_id], resourceTypes=["EC2"] if drifted else ["EC2", "ECR", "LAMBDA"]
    )
