"""An ALB per account (us-east-1): protected from deletion unless drifted. fresh: no load balancers."""

from soc2ctl_sandbox.edge_resources import PRIMARY, alb
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != PRIMARY:
        return
    protected = "false" if ctx.posture == "drifted" else "true"
    alb(ctx, "soc2-dp-alb", {"deletion_protection.enabled": protected})
