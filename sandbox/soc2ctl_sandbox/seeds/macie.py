"""Macie: compliant = on, 15-minute findings; drifted = six-hourly in us-east-1; fresh = off."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    drifted = ctx.posture == "drifted" and ctx.region == "us-east-1"
    ctx.client("macie2").enable_macie(
        status="ENABLED", findingPublishingFrequency="SIX_HOURS" if drifted else "FIFTEEN_MINUTES"
    )
