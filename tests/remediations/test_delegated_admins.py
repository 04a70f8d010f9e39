import pytest

from soc2ctl import registry
from tests.helpers import ModuleRun, deny, member_client, write_calls

MODULE = "delegated-admins"
MANAGEMENT = "123456789012"
PRINCIPALS = (
    "guardduty.amazonaws.com",
    "securityhub.amazonaws.com",
    "config.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    "access-analyzer.amazonaws.com",
    "macie.amazonaws.com",
)


def org_client():
    return member_client("organizations", MANAGEMENT)


def admins(principal: str) -> list[str]:
    found = org_client().list_delegated_administrators(ServicePrincipal=principal)["DelegatedAdministrators"]
    return [a["Id"] for a in found]


def trusted() -> set[str]:
    return {
        s["ServicePrincipal"]
        for s in org_client().list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    }


def designate_all(admin: str, region: str = "us-east-1") -> None:
    member_client("guardduty", MANAGEMENT, region).enable_organization_admin_account(AdminAccountId=admin)
    member_client("securityhub", MANAGEMENT, region).enable_organization_admin_account(AdminAccountId=admin)
    member_client("macie2", MANAGEMENT, region).enable_organization_admin_account(adminAccountId=admin)
    for principal in (
        "config.amazonaws.com",
        "config-multiaccountsetup.amazonaws.com",
        "access-analyzer.amazonaws.com",
    ):
        org_client().enable_aws_service_access(ServicePrincipal=principal)
        org_client().register_delegated_administrator(AccountId=admin, ServicePrincipal=principal)


def test_compliant_is_noop(org):
    designate_all(org["alpha"])
    result = ModuleRun(MODULE, {"admin_account_id": org["alpha"]}).plan()
    assert result.action == "no-op", result.changes
    assert result.observed["delegated_administrators"]["macie.amazonaws.com"] == org["alpha"]


def test_absent_everything_is_designated_the_aws_way(org):
    run = ModuleRun(MODULE, {"admin_account_id": org["alpha"]})
    planned = run.plan()
    assert planned.action == "update"  # trusted access false -> true, designations None -> id
    assert ("service_administrators.guardduty.us-east-1", None, org["alpha"]) in [
        (c.path, c.before, c.after) for c in planned.changes
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    # The three services with their own API are designated through it; Organizations only for the rest.
    assert sorted(write_calls(applied)) == sorted(
        [
            "guardduty:EnableOrganizationAdminAccount",
            "securityhub:EnableOrganizationAdminAccount",
            "macie2:EnableOrganizationAdminAccount",
            *["organizations:EnableAWSServiceAccess"] * 3,
            *["organizations:RegisterDelegatedAdministrator"] * 3,
        ]
    )
    for principal in PRINCIPALS:
        assert admins(principal) == [org["alpha"]], principal
    assert trusted() >= set(PRINCIPALS)
    gd = member_client("guardduty", MANAGEMENT).list_organization_admin_accounts()["AdminAccounts"]
    assert gd == [{"AdminAccountId": org["alpha"], "AdminStatus": "ENABLED"}]
    assert write_calls(run.apply()) == []


def test_drifted_one_missing_designation_exact_changes(org):
    designate_all(org["beta"])
    # A second region asked for: only GuardDuty and Macie lack their eu-west-1 designation (moto's Security Hub
    # designation is organization-wide, not regional).
    run = ModuleRun(MODULE, {"admin_account_id": org["beta"], "regions": ["us-east-1", "eu-west-1"]})
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("service_administrators.guardduty.eu-west-1", None, org["beta"]),
        ("service_administrators.macie.eu-west-1", None, org["beta"]),
    ]
    assert write_calls(run.apply()) == [
        "guardduty:EnableOrganizationAdminAccount",
        "macie2:EnableOrganizationAdminAccount",
    ]
    eu = member_client("macie2", MANAGEMENT, "eu-west-1").list_organization_admin_accounts()["adminAccounts"]
    assert [a["accountId"] for a in eu] == [org["beta"]]
    assert write_calls(run.apply()) == []


def test_trusted_access_only_missing_is_enabled(org):
    designate_all(org["gamma"])
    org_client().disable_aws_service_access(ServicePrincipal="access-analyzer.amazonaws.com")
    run = ModuleRun(MODULE, {"admin_account_id": org["gamma"], "services": ["access-analyzer"]})
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("trusted_access.[access-analyzer.amazonaws.com]", False, True)
    ]
    assert write_calls(run.apply()) == ["organizations:EnableAWSServiceAccess"]
    assert "access-analyzer.amazonaws.com" in trusted()


def test_other_administrator_is_refused_not_replaced(org):
    designate_all(org["alpha"])
    result = ModuleRun(MODULE, {"admin_account_id": org["beta"], "services": ["guardduty"]}).plan()
    assert result.action == "error"
    assert "refused" in result.error and org["alpha"] in result.error


def test_management_account_as_admin_administers_natively(org):
    """With no security tooling account, the management account plays the role: GuardDuty, Security Hub
    and Macie take it as their administrator; Organizations, which cannot register it, is not asked to."""
    run = ModuleRun(MODULE, {"admin_account_id": MANAGEMENT})
    planned = run.plan()
    assert planned.action != "error", planned.error
    assert not [c for c in planned.changes if c.path.startswith("delegated_administrators")]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert "organizations:RegisterDelegatedAdministrator" not in write_calls(applied)
    guardduty = member_client("guardduty", MANAGEMENT).list_organization_admin_accounts()["AdminAccounts"]
    assert [a["AdminAccountId"] for a in guardduty] == [MANAGEMENT]
    assert run.plan().action == "no-op"


def test_access_denied_on_apply_names_the_service_call(org):
    run = ModuleRun(MODULE, {"admin_account_id": org["alpha"], "services": ["guardduty"]})
    deny(run.sessions, "guardduty.EnableOrganizationAdminAccount")
    result = run.apply()
    assert result.status == "failed" and "EnableOrganizationAdminAccount" in result.error


@pytest.mark.parametrize("bad", ["12345", "abcdefghijkl"])
def test_admin_account_id_must_be_12_digits(bad):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        registry.get(MODULE).Params.model_validate({"admin_account_id": bad})
