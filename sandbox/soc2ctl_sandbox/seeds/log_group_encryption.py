from soc2ctl_sandbox.data_seeds import drifted_here
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: an audit log group encrypted with a KMS key; drifted: the same, plus an unencrypted
    application group in us-east-1; fresh: no log groups."""
    if ctx.posture == "fresh":
        return
    logs = ctx.client("logs")
    key = ctx.client("kms").create_key(Description="CloudWatch Logs")["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/soc2/audit", kmsKeyId=key)
    if drifted_here(ctx):
        logs.create_log_group(logGroupName="/soc2/plain")
