from soc2ctl_sandbox.data_seeds import drifted_here, table
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: an orders table with point-in-time recovery and deletion protection; drifted: the same,
    without point-in-time recovery in us-east-1; fresh: no tables."""
    if ctx.posture != "fresh":
        table(ctx, "orders", pitr=not drifted_here(ctx))
