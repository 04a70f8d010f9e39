"""Security services are administered by the audit account, not the management account.

The real AWS way differs per service, and this module follows it:
- GuardDuty, Security Hub and Macie: the service's own `EnableOrganizationAdminAccount`, called by the management
  account in each region. It enables trusted access and registers the delegated administrator in Organizations
  itself, and sets the service up (service-linked roles, the admin's hub); registering through Organizations
  alone leaves the service unaware of its administrator. The designation is regional.
- Config (`config.amazonaws.com` for aggregators, `config-multiaccountsetup.amazonaws.com` for organization rules
  and conformance packs) and IAM Access Analyzer: no service call exists; Organizations `EnableAWSServiceAccess`
  then `RegisterDelegatedAdministrator`, once (global).
After the service calls, `apply` reads Organizations again and completes only what is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from remediations import _preconditions as pre
from remediations._aws import paginate
from soc2ctl.remediation import (
    AccountId,
    Params,
    PlannedChange,
    Remediation,
    Resource,
    Scope,
    Target,
    TaskContext,
    UnsafeChange,
)

Service = Literal["guardduty", "securityhub", "config", "access-analyzer", "macie"]


@dataclass(frozen=True)
class ServiceSpec:
    principals: tuple[str, ...]  # Organizations service principals: trusted access + delegated admin
    client: str | None = None  # the service's own API for designating the admin (regional), if any
    list_key: tuple[str, str, str] = ("", "", "")  # list_organization_admin_accounts: items, id, status


SERVICES: dict[str, ServiceSpec] = {
    "guardduty": ServiceSpec(
        ("guardduty.amazonaws.com",), "guardduty", ("AdminAccounts", "AdminAccountId", "AdminStatus")
    ),
    "securityhub": ServiceSpec(
        ("securityhub.amazonaws.com",), "securityhub", ("AdminAccounts", "AccountId", "Status")
    ),
    "macie": ServiceSpec(("macie.amazonaws.com",), "macie2", ("adminAccounts", "accountId", "status")),
    "config": ServiceSpec(("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com")),
    "access-analyzer": ServiceSpec(("access-analyzer.amazonaws.com",)),
}


class DelegatedAdminsParams(Params):
    admin_account_id: AccountId = Field(
        description="The audit account that administers the security services."
    )
    services: list[Service] = Field(default_factory=lambda: list(SERVICES))
    regions: list[str] | None = Field(
        default=None,
        description="Regions of the regional designations (GuardDuty, Security Hub, Macie); null: home region.",
    )


class DelegatedAdmins(Remediation[DelegatedAdminsParams]):
    """GuardDuty, Security Hub, Config, Access Analyzer and Macie are administered by the audit account."""

    name = "delegated-admins"
    scope = Scope.ORG
    risk = "medium"  # changing an administrator moves who sees and manages every member's findings
    criteria = ("CC1.3", "CC4.1")
    prowler_checks = ("organizations_delegated_administrators",)
    read_actions = (
        "organizations:ListAWSServiceAccessForOrganization",
        "organizations:ListDelegatedAdministrators",
        "guardduty:ListOrganizationAdminAccounts",
        "securityhub:ListOrganizationAdminAccounts",
        "macie2:ListOrganizationAdminAccounts",
    )
    write_actions = (
        "organizations:EnableAWSServiceAccess",
        "organizations:RegisterDelegatedAdministrator",
        "guardduty:EnableOrganizationAdminAccount",
        "securityhub:EnableOrganizationAdminAccount",
        "macie2:EnableOrganizationAdminAccount",
        # What the service calls above need the caller to be allowed to do on their behalf:
        "organizations:DescribeOrganization",
        "iam:CreateServiceLinkedRole",
    )

    def provides(self, target: Target, params: DelegatedAdminsParams) -> list[Resource]:
        return [
            pre.delegated_admin_resource(SERVICES[s].client or s, params.admin_account_id)
            for s in params.services
        ]

    def read(self, ctx: TaskContext, params: DelegatedAdminsParams) -> dict[str, Any]:
        specs = [SERVICES[s] for s in params.services]
        return {
            **organization_state(ctx, [p for spec in specs for p in spec.principals]),
            "service_administrators": {
                name: {r: service_admin(ctx, SERVICES[name], r) for r in regions(ctx, params)}
                for name in params.services
                if SERVICES[name].client
            },
        }

    def desired(self, ctx: TaskContext, params: DelegatedAdminsParams, observed: Any) -> dict[str, Any]:
        admin = params.admin_account_id
        principals = [p for s in params.services for p in SERVICES[s].principals]
        # The management account administers every service natively; Organizations cannot register it as a
        # delegated administrator, but GuardDuty, Security Hub and Macie accept it as their administrator.
        registered = {} if admin == ctx.management_account_id else dict.fromkeys(principals, admin)
        return {
            "trusted_access": dict.fromkeys(principals, True),
            "delegated_administrators": registered,
            "service_administrators": {
                s: dict.fromkeys(regions(ctx, params), admin) for s in params.services if SERVICES[s].client
            },
        }

    def guard(self, ctx: TaskContext, change: PlannedChange[DelegatedAdminsParams]) -> None:
        """Moving a service to another administrator disassociates its members and loses its organization
        settings: that is a migration for a person to plan, never a drift to fix silently."""
        params, observed = change.params, change.observed
        admin = params.admin_account_id
        current = [
            (p, a) for p, a in observed["delegated_administrators"].items() if a is not None and a != admin
        ]
        current += [
            (f"{s} in {r}", a)
            for s, by_region in observed["service_administrators"].items()
            for r, a in by_region.items()
            if a is not None and a != admin
        ]
        if current:
            held = ", ".join(f"{what} by {who}" for what, who in current)
            raise UnsafeChange(f"already administered by another account ({held}); deregister it first")

    def apply(self, ctx: TaskContext, change: PlannedChange[DelegatedAdminsParams]) -> None:
        params, observed = change.params, change.observed
        admin = params.admin_account_id
        for name, by_region in observed["service_administrators"].items():
            for region, current in by_region.items():
                if current is None:
                    designate(ctx, SERVICES[name], region, admin)
        principals = [p for s in params.services for p in SERVICES[s].principals]
        now = organization_state(ctx, principals)  # the service calls may have done part of it
        org = ctx.client("organizations")
        for principal in principals:
            if not now["trusted_access"][principal]:
                org.enable_aws_service_access(ServicePrincipal=principal)
            if now["delegated_administrators"][principal] is None and admin != ctx.management_account_id:
                org.register_delegated_administrator(AccountId=admin, ServicePrincipal=principal)


def regions(ctx: TaskContext, params: DelegatedAdminsParams) -> list[str]:
    return sorted(params.regions or [ctx.home_region])


def organization_state(ctx: TaskContext, principals: list[str]) -> dict[str, Any]:
    """Trusted access and the delegated administrator per principal (one id; a sorted list if several)."""
    org = ctx.client("organizations")
    enabled = {
        s["ServicePrincipal"]
        for s in paginate(org, "list_aws_service_access_for_organization", "EnabledServicePrincipals")
    }
    admins = {}
    for principal in principals:
        found = paginate(
            org, "list_delegated_administrators", "DelegatedAdministrators", ServicePrincipal=principal
        )
        ids = sorted(a["Id"] for a in found)
        admins[principal] = ids[0] if len(ids) == 1 else (ids or None)
    return {
        "trusted_access": {p: p in enabled for p in principals},
        "delegated_administrators": admins,
    }


def service_admin(ctx: TaskContext, spec: ServiceSpec, region: str) -> str | None:
    """The administrator the service itself knows of in `region`, as the management account sees it."""
    assert spec.client is not None
    items, id_key, status_key = spec.list_key
    client = ctx.client(spec.client, region=region)
    found = paginate(client, "list_organization_admin_accounts", items)
    return next((a[id_key] for a in found if a.get(status_key) == "ENABLED"), None)


def designate(ctx: TaskContext, spec: ServiceSpec, region: str, admin: str) -> None:
    client = ctx.client(spec.client or "", region=region)
    if spec.client == "macie2":
        client.enable_organization_admin_account(adminAccountId=admin)
    else:
        client.enable_organization_admin_account(AdminAccountId=admin)
