"""GuardDuty's organization configuration auto-enables member accounts and the chosen protection plans.

The configuration belongs to the delegated administrator's detector and is regional: it is read and set in
the administrator account (`ctx.client("guardduty", account_id=admin, region=r)`) in each of `regions`
(default: the home region only). The administrator is the one the management account designated in that
region; designating it is the delegated-admins control's job, so this module refuses rather than designate.
"""

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

AutoEnable = Literal["ALL", "NEW", "NONE"]


class GuardDutyOrgConfigParams(Params):
    admin_account_id: AccountId | None = Field(
        default=None, description="The expected GuardDuty administrator; null: whichever is designated."
    )
    auto_enable_organization_members: AutoEnable = Field(
        default="ALL", description="ALL: every member, existing and new; NEW: accounts that join from now on."
    )
    features: dict[str, AutoEnable] = Field(
        default_factory=dict,
        description="Auto-enable per GuardDuty feature, e.g. S3_DATA_EVENTS: ALL. Unlisted: unmanaged.",
    )
    regions: list[str] | None = Field(default=None, description="Regions to configure; null: home region.")


class GuardDutyOrgConfig(Remediation[GuardDutyOrgConfigParams]):
    """New and existing accounts get GuardDuty automatically: the organization part of guardduty-org."""

    name = "guardduty-org-config"
    scope = Scope.ORG
    risk = "low"  # auto-enables detection in member accounts
    criteria = ("CC7.1", "CC7.2")
    prowler_checks = ("guardduty_is_enabled", "guardduty_centrally_managed")
    config_rules = ("guardduty-enabled-centralized",)
    securityhub_controls = ("GuardDuty.1",)
    read_actions = (
        "guardduty:ListOrganizationAdminAccounts",
        "guardduty:ListDetectors",
        "guardduty:DescribeOrganizationConfiguration",
    )
    write_actions = ("guardduty:UpdateOrganizationConfiguration",)

    def requires(self, target: Target, params: GuardDutyOrgConfigParams) -> list[Requirement]:
        """Member auto-enablement lives on the administrator: without it designated, nothing is enabled."""
        admin = params.admin_account_id
        if admin is None:
            return []
        where = sorted(params.regions or [target.home_region])
        return [pre.delegated_admin("guardduty", admin)] + [pre.guardduty_detector(admin, r) for r in where]

    def read(self, ctx: TaskContext, params: GuardDutyOrgConfigParams) -> dict[str, Any]:
        return {"regions": {r: read_region(ctx, r) for r in regions(ctx, params)}}

    def desired(self, ctx: TaskContext, params: GuardDutyOrgConfigParams, observed: Any) -> dict[str, Any]:
        want = {
            "auto_enable_organization_members": params.auto_enable_organization_members,
            "features": dict(params.features),
        }
        return {"regions": {r: {"organization": want} for r in regions(ctx, params)}}

    def guard(self, ctx: TaskContext, change: PlannedChange[GuardDutyOrgConfigParams]) -> None:
        """Refuse what this module must not do: designate an administrator (delegated-admins does) or create
        the administrator's detector (guardduty-org does; two creators would race for it)."""
        params, observed = change.params, change.observed
        problems = []
        wanted = params.admin_account_id
        for region, found in observed["regions"].items():
            admin = found["admin_account_id"]
            if wanted and _provided_in_this_run(ctx, wanted, region, admin, found["detector_id"]):
                continue  # the controls that provide them run first; apply re-reads after them
            if admin is None:
                problems.append(
                    f"{region}: no GuardDuty delegated administrator (see the delegated-admins control)"
                )
            elif params.admin_account_id and admin != params.admin_account_id:
                problems.append(
                    f"{region}: GuardDuty is administered by {admin}, not {params.admin_account_id}"
                )
            elif found["detector_id"] is None:
                problems.append(
                    f"{region}: administrator {admin} has no GuardDuty detector (see guardduty-org)"
                )
        if problems:
            raise UnsafeChange("; ".join(problems))

    def apply(self, ctx: TaskContext, change: PlannedChange[GuardDutyOrgConfigParams]) -> None:
        params, observed = change.params, change.observed
        for region, found in observed["regions"].items():
            current = found["organization"]
            if current and not drifted(current, params):
                continue
            gd = ctx.client("guardduty", account_id=found["admin_account_id"], region=region)
            settings: dict[str, Any] = {
                "DetectorId": found["detector_id"],
                "AutoEnableOrganizationMembers": params.auto_enable_organization_members,
            }
            if params.features:
                settings["Features"] = [
                    {"Name": n, "AutoEnable": v} for n, v in sorted(params.features.items())
                ]
            gd.update_organization_configuration(**settings)


def _provided_in_this_run(
    ctx: TaskContext, wanted: str, region: str, admin: str | None, detector: str | None
) -> bool:
    missing_admin = admin != wanted and pre.delegated_admin_resource("guardduty", wanted) in ctx.pending
    missing_detector = detector is None and pre.detector_resource(wanted, region) in ctx.pending
    return (admin == wanted or missing_admin) and (detector is not None or missing_detector)


def regions(ctx: TaskContext, params: GuardDutyOrgConfigParams) -> list[str]:
    return sorted(params.regions or [ctx.home_region])


def read_region(ctx: TaskContext, region: str) -> dict[str, Any]:
    """The designated administrator, its detector and its organization configuration in one region."""
    admins = paginate(
        ctx.client("guardduty", region=region), "list_organization_admin_accounts", "AdminAccounts"
    )
    admin = next((a["AdminAccountId"] for a in admins if a.get("AdminStatus") == "ENABLED"), None)
    empty = {"admin_account_id": admin, "detector_id": None, "organization": None}
    if admin is None:
        return empty
    gd = ctx.client("guardduty", account_id=admin, region=region)
    detectors = paginate(gd, "list_detectors", "DetectorIds")
    if not detectors:
        return empty
    found = gd.describe_organization_configuration(DetectorId=detectors[0])
    return {
        "admin_account_id": admin,
        "detector_id": detectors[0],
        "organization": {
            "auto_enable_organization_members": found.get("AutoEnableOrganizationMembers")
            or ("NEW" if found.get("AutoEnable") else "NONE"),
            "features": {f["Name"]: f.get("AutoEnable", "NONE") for f in found.get("Features", [])},
        },
    }


def drifted(current: dict[str, Any], params: GuardDutyOrgConfigParams) -> bool:
    if current["auto_enable_organization_members"] != params.auto_enable_organization_members:
        return True
    return any(current["features"].get(name) != value for name, value in params.features.items())
