from soc2ctl_sandbox.data_seeds import encrypted_logs
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"

GROUP = "/soc2/app"


def seed(ctx: SeedContext) -> None:
    """compliant: an application log group kept a year and one that never expires; drifted: the same, but
    the application group keeps only 30 days in us-east-1; fresh: no log groups (nothing to fix)."""
    if ctx.posture == "fresh":
        return
    logs = ctx.client("logs")
    logs.create_log_group(logGroupName=GROUP, **encrypted_logs(ctx))  # log-group-encryption
    logs.create_log_group(logGroupName="/soc2/forever", **encrypted_logs(ctx))
    short = ctx.posture == "drifted" and ctx.region == "us-east-1"
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=30 if short else 365)
