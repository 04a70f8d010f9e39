from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """A customer key per account and region (rotating unless drifted, in us-east-1), plus an asymmetric
    signing key the control must skip. fresh: no customer keys at all."""
    if ctx.posture == "fresh":
        return
    kms = ctx.client("kms")
    key = kms.create_key(Description=f"{ctx.name} application data")["KeyMetadata"]["KeyId"]
    if not (ctx.posture == "drifted" and ctx.region == "us-east-1"):
        kms.enable_key_rotation(KeyId=key)
    kms.create_key(Description=f"{ctx.name} release signing", KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")
