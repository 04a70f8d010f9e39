"""An ALB HTTPS listener and a classic HTTPS listener per account (us-east-1): on TLS 1.2+ policies, unless
drifted (both on ELBSecurityPolicy-2016-08, which admits TLS 1.0). fresh: no load balancers."""

from soc2ctl_sandbox.edge_resources import PRIMARY, alb, classic_elb, classic_ssl_policy, https_listener
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != PRIMARY:
        return
    policy = (
        "ELBSecurityPolicy-2016-08" if ctx.posture == "drifted" else "ELBSecurityPolicy-TLS13-1-2-2021-06"
    )
    https_listener(ctx, alb(ctx, "soc2-tls-alb"), policy)
    classic_elb(ctx, "soc2-tls-classic", https=True)
    classic_ssl_policy(
        ctx,
        "soc2-tls-classic",
        "ELBSecurityPolicy-2016-08" if ctx.posture == "drifted" else "ELBSecurityPolicy-TLS-1-2-2017-01",
    )
