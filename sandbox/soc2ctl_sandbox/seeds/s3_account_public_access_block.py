from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    ctx.client("s3control").put_public_access_block(
        AccountId=ctx.account_id,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": ctx.posture == "compliant",
            "RestrictPublicBuckets": True,
        },
    )
