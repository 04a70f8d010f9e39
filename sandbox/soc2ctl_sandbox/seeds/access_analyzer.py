"""Access Analyzer: compliant accounts have an account analyzer, and the audit account (Access Analyzer
delegated administrator, registered by the delegated_admins seed) the organization one; drifted accounts only
have an unused-access analyzer, which is not the external-access control; fresh ones have none."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"
ADMIN = "audit"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    analyzer = ctx.client("accessanalyzer")
    if ctx.posture == "drifted":
        analyzer.create_analyzer(analyzerName="unused-access", type="ACCOUNT_UNUSED_ACCESS")
        return
    analyzer.create_analyzer(analyzerName="account-analyzer", type="ACCOUNT")
    if ctx.name == ADMIN:
        analyzer.create_analyzer(analyzerName="organization-analyzer", type="ORGANIZATION")
