from soc2ctl_sandbox.data_seeds import bucket, drifted_here
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: an application bucket with every bucket control in place (and its log bucket); drifted:
    the same, but without encryption in us-east-1; fresh: no buckets."""
    if ctx.posture == "fresh":
        return
    name = f"app-encryption-{ctx.account_id}-{ctx.region}"
    bucket(ctx, name, drift="encryption" if drifted_here(ctx) else None)
