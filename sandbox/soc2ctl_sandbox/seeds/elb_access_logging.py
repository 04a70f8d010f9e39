"""An ALB and a classic load balancer per account (us-east-1), both logging to S3 unless drifted (then the
classic one does not log). fresh: no load balancers."""

from soc2ctl_sandbox.edge_resources import PRIMARY, alb, classic_elb
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != PRIMARY:
        return
    bucket = f"soc2-elb-logs-{ctx.account_id}"
    alb(ctx, "soc2-logged-alb", {"access_logs.s3.enabled": "true", "access_logs.s3.bucket": bucket})
    classic_elb(ctx, "soc2-logged-classic")
    if ctx.posture != "drifted":
        log = {"Enabled": True, "S3BucketName": bucket, "EmitInterval": 60}
        ctx.client("elb").modify_load_balancer_attributes(
            LoadBalancerName="soc2-logged-classic", LoadBalancerAttributes={"AccessLog": log}
        )
