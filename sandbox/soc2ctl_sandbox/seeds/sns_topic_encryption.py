from soc2ctl_sandbox.data_seeds import drifted_here
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: an orders topic encrypted with a customer key; drifted: the same, plus an unencrypted
    notifications topic in us-east-1; fresh: no topics."""
    if ctx.posture == "fresh":
        return
    sns = ctx.client("sns")
    sns.create_topic(Name="orders", Attributes={"KmsMasterKeyId": "alias/soc2-sns"})
    if drifted_here(ctx):
        sns.create_topic(Name="notifications")
