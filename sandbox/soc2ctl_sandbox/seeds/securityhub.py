"""Security Hub: compliant = on with FSBP and CIS 1.4.0; drifted = CIS missing in us-east-1; fresh = off."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"
FSBP = "aws-foundational-security-best-practices/v/1.0.0"
CIS = "cis-aws-foundations-benchmark/v/1.4.0"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    standards = [FSBP] if ctx.posture == "drifted" and ctx.region == "us-east-1" else [FSBP, CIS]
    sh = ctx.client("securityhub")
    sh.enable_security_hub(EnableDefaultStandards=False)
    sh.batch_enable_standards(
        StandardsSubscriptionRequests=[
            {"StandardsArn": ctx.arn("securityhub", f"standards/{s}", account_id="")} for s in standards
        ]
    )
