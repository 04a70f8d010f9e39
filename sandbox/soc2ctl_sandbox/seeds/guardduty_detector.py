from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or (ctx.posture == "drifted" and ctx.region != "us-east-1"):
        return
    frequency = "FIFTEEN_MINUTES" if ctx.posture == "compliant" else "SIX_HOURS"
    ctx.client("guardduty").create_detector(Enable=True, FindingPublishingFrequency=frequency)
