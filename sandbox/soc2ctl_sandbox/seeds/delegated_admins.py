"""Delegated administrators: audit administers everything but Macie (one designation missing: drifted).

Seeded once, from the management account, the way the delegated-admins control itself does it: GuardDuty
through its own API (which registers audit in Organizations too), Config and Access Analyzer through
Organizations. Security Hub is designated by the securityhub_org_config seed.
"""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "org"
ADMIN = "audit"
ORG_ONLY = ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com", "access-analyzer.amazonaws.com")


def seed(ctx: SeedContext) -> None:
    admin = ctx.accounts.get(ADMIN)
    if admin is None:
        return
    ctx.client("guardduty").enable_organization_admin_account(AdminAccountId=admin)
    org = ctx.client("organizations")
    for principal in ORG_ONLY:
        org.enable_aws_service_access(ServicePrincipal=principal)
        org.register_delegated_administrator(AccountId=admin, ServicePrincipal=principal)
