"""An ALB and a classic load balancer per account (us-east-1), both logging to S3 unless drifted (then the
classic one does not log). fresh: no load balancers."""

from soc2ctl_sandbox.edge_resources import PRIMARY, alb, classic_elb
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != PRIMARY:
        return
    alb(ctx, "soc2-logged-alb")
    classic_elb(ctx, "soc2-logged-classic", logged=ctx.posture != "drifted")
