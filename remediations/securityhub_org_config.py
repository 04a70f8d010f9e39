"""Security Hub's organization configuration auto-enables new member accounts, with the default standards."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from remediations import _preconditions as pre
from remediations._aws import paginate
from soc2ctl.remediation import (
    AccountId,
    Params,
    PlannedChange,
    Remediation,
    Requirement,
    Scope,
    Target,
    TaskContext,
    UnsafeChange,
)


class SecurityHubOrgConfigParams(Params):
    admin_account_id: AccountId | None = Field(
        default=None,
        description="The Security Hub delegated administrator; null: the one designated in the organization.",
    )
    auto_enable: bool = True
    auto_enable_standards: Literal["DEFAULT", "NONE"] = "DEFAULT"


class SecurityHubOrgConfig(Remediation[SecurityHubOrgConfigParams]):
    """New accounts get Security Hub automatically: the organization part of securityhub-org."""

    name = "securityhub-org-config"
    scope = Scope.ORG
    risk = "low"  # auto-enables Security Hub in new member accounts
    criteria = ("CC4.1", "CC7.1")
    prowler_checks = ("securityhub_enabled",)
    config_rules = ("securityhub-enabled",)
    read_actions = (
        "securityhub:ListOrganizationAdminAccounts",
        "securityhub:DescribeOrganizationConfiguration",
        "securityhub:DescribeHub",
    )
    write_actions = ("securityhub:UpdateOrganizationConfiguration",)

    def requires(self, target: Target, params: SecurityHubOrgConfigParams) -> list[Requirement]:
        """Member auto-enablement lives on the administrator: without it designated, nothing is enabled."""
        if params.admin_account_id is None:
            return []
        admin = params.admin_account_id
        return [pre.delegated_admin("securityhub", admin), pre.securityhub_hub(admin, target.home_region)]

    def read(self, ctx: TaskContext, params: SecurityHubOrgConfigParams) -> dict[str, Any]:
        designated = designated_admin(ctx)
        admin = params.admin_account_id or designated
        if admin is None:
            return {"admin_account_id": None, "configuration_type": None, "organization": None}
        if admin != designated and pre.delegated_admin_resource("securityhub", admin) in ctx.pending:
            # delegated-admins designates it first in this run; until then it cannot be read
            return {"admin_account_id": admin, "configuration_type": "LOCAL", "organization": None}
        found = ctx.client("securityhub", account_id=admin).describe_organization_configuration()
        return {
            "admin_account_id": admin,
            "configuration_type": found.get("OrganizationConfiguration", {}).get(
                "ConfigurationType", "LOCAL"
            ),
            "organization": {
                "auto_enable": found["AutoEnable"],
                "auto_enable_standards": found.get("AutoEnableStandards", "NONE"),
            },
        }

    def desired(self, ctx: TaskContext, params: SecurityHubOrgConfigParams, observed: Any) -> dict[str, Any]:
        return {"organization": params.model_dump(exclude={"admin_account_id"})}

    def guard(self, ctx: TaskContext, change: PlannedChange[SecurityHubOrgConfigParams]) -> None:
        """Refuse what this module cannot fix: designating the administrator is the delegated-admins
        control's job, and under central configuration auto-enable is set by configuration policies."""
        observed = change.observed
        if observed["admin_account_id"] is None:
            raise UnsafeChange(
                "no Security Hub delegated administrator is designated (see the delegated-admins control)"
            )
        if observed["configuration_type"] == "CENTRAL":
            raise UnsafeChange(
                f"Security Hub in {observed['admin_account_id']} uses central configuration: "
                "auto-enable is governed by configuration policies, not by the organization configuration"
            )

    def apply(self, ctx: TaskContext, change: PlannedChange[SecurityHubOrgConfigParams]) -> None:
        params, observed = change.params, change.observed
        ctx.client("securityhub", account_id=observed["admin_account_id"]).update_organization_configuration(
            AutoEnable=params.auto_enable, AutoEnableStandards=params.auto_enable_standards
        )


def designated_admin(ctx: TaskContext) -> str | None:
    """The organization's Security Hub administrator, as the management account sees it."""
    admins = paginate(ctx.client("securityhub"), "list_organization_admin_accounts", "AdminAccounts")
    return next((a["AccountId"] for a in admins if a.get("Status") == "ENABLED"), None)
