from soc2ctl_sandbox.data_seeds import drifted_here, table
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: a sessions table with deletion protection and point-in-time recovery; drifted: the same,
    unprotected in us-east-1; fresh: no tables."""
    if ctx.posture != "fresh":
        table(ctx, "sessions", protected=not drifted_here(ctx))
