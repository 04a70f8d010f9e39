"""WAFv2 web ACLs (us-east-1): a regional and a CloudFront one per account, both logging unless drifted
(then the CloudFront one does not log). fresh: no web ACLs."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "soc2"}


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != "us-east-1":
        return
    waf = ctx.client("wafv2")
    group = ctx.arn("logs", "log-group:aws-waf-logs-soc2")
    for name, scope in (("soc2-api-acl", "REGIONAL"), ("soc2-cdn-acl", "CLOUDFRONT")):
        acl = waf.create_web_acl(
            Name=name, Scope=scope, DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY
        )
        if not (ctx.posture == "drifted" and scope == "CLOUDFRONT"):
            config = {"ResourceArn": acl["Summary"]["ARN"], "LogDestinationConfigs": [group]}
            waf.put_logging_configuration(LoggingConfiguration=config)
