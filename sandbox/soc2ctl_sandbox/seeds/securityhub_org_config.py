"""Security Hub organization configuration: the audit account administers it, auto-enabling new accounts.

Seeded once, from the management account (always `compliant`): audit is designated (as the delegated-admins
control would do) and its organization configuration auto-enables accounts with the default standards.
"""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "org"
ADMIN = "audit"


def seed(ctx: SeedContext) -> None:
    admin = ctx.accounts.get(ADMIN)
    if admin is None:
        return
    ctx.client("securityhub").enable_organization_admin_account(AdminAccountId=admin)
    if ctx.posture == "fresh":
        return
    admin_hub = ctx.client_in(admin, "securityhub")
    admin_hub.update_organization_configuration(
        AutoEnable=ctx.posture == "compliant", AutoEnableStandards="DEFAULT"
    )
