from soc2ctl import registry
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "securityhub-org-config"


def designate(admin: str):
    """What the delegated-admins control does (and securityhub-org, enabling the administrator's own hub);
    returns the administrator's Security Hub client."""
    member_client("securityhub", MANAGEMENT_ACCOUNT).enable_organization_admin_account(AdminAccountId=admin)
    hub = member_client("securityhub", admin)
    hub.enable_security_hub()
    return hub


def changes(result) -> list[tuple]:
    return [(c.path, c.before, c.after) for c in result.changes]


def test_compliant_is_noop(org):
    designate(org["alpha"]).update_organization_configuration(AutoEnable=True, AutoEnableStandards="DEFAULT")
    result = ModuleRun(MODULE, {}).plan()
    assert result.action == "no-op", result.error
    assert result.observed["admin_account_id"] == org["alpha"]


def test_fresh_configuration_is_turned_on_in_the_admin_account(org):
    admin = designate(org["alpha"])  # AWS default: AutoEnable false
    run = ModuleRun(MODULE, {})
    assert changes(run.plan()) == [("organization.auto_enable", False, True)]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["securityhub:UpdateOrganizationConfiguration"]
    found = admin.describe_organization_configuration()
    assert (found["AutoEnable"], found["AutoEnableStandards"]) == (True, "DEFAULT")
    assert write_calls(run.apply()) == []


def test_drifted_standards_with_explicit_admin(org):
    admin = designate(org["beta"])
    admin.update_organization_configuration(AutoEnable=True, AutoEnableStandards="NONE")
    run = ModuleRun(MODULE, {"admin_account_id": org["beta"]})
    assert changes(run.plan()) == [("organization.auto_enable_standards", "NONE", "DEFAULT")]
    assert write_calls(run.apply()) == ["securityhub:UpdateOrganizationConfiguration"]
    assert admin.describe_organization_configuration()["AutoEnableStandards"] == "DEFAULT"
    assert write_calls(run.apply()) == []


def test_no_delegated_admin_is_refused(org):
    result = ModuleRun(MODULE, {}).plan()
    assert result.action == "error"
    assert "refused" in result.error and "no Security Hub delegated administrator" in result.error


def test_central_configuration_is_refused(org):
    designate(org["alpha"]).update_organization_configuration(
        AutoEnable=False,
        AutoEnableStandards="NONE",
        OrganizationConfiguration={"ConfigurationType": "CENTRAL", "Status": "ENABLED"},
    )
    result = ModuleRun(MODULE, {}).plan()
    assert result.action == "error" and "central configuration" in result.error


def test_declared_actions_cover_every_call(org):
    designate(org["alpha"])
    module = registry.get(MODULE)
    calls = {c.iam_action for c in ModuleRun(MODULE, {}).apply().calls if c.service != "sts"}
    assert calls <= set(module.read_actions) | set(module.write_actions)


def test_explicit_admin_without_its_hub_is_a_precondition_error(org):
    member_client("securityhub", MANAGEMENT_ACCOUNT).enable_organization_admin_account(
        AdminAccountId=org["beta"]
    )
    result = ModuleRun(MODULE, {"admin_account_id": org["beta"]}).plan()
    assert result.action == "error"
    assert (
        f"precondition not met: securityhub-hub {org['beta']}/us-east-1: Security Hub is not enabled"
        in result.error
    )
