from tests.helpers import ModuleRun, deny, member_client, write_calls

MODULE = "guardduty-org-config"
MANAGEMENT = "123456789012"


def designate(admin: str, region: str = "us-east-1", detector: bool = True) -> str | None:
    """Admin designated by the management account, with its own detector (as delegated-admins and
    guardduty-org leave it); returns the detector id."""
    member_client("guardduty", MANAGEMENT, region).enable_organization_admin_account(AdminAccountId=admin)
    if not detector:
        return None
    return member_client("guardduty", admin, region).create_detector(Enable=True)["DetectorId"]


def org_config(admin: str, detector: str, region: str = "us-east-1") -> dict:
    return member_client("guardduty", admin, region).describe_organization_configuration(DetectorId=detector)


def test_compliant_is_noop(org):
    detector = designate(org["alpha"])
    member_client("guardduty", org["alpha"]).update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers="ALL"
    )
    result = ModuleRun(MODULE, {"admin_account_id": org["alpha"]}).plan()
    assert result.action == "no-op", result.changes
    assert result.observed["regions"]["us-east-1"]["admin_account_id"] == org["alpha"]


def test_absent_configuration_is_set_in_the_admin_account(org):
    detector = designate(org["beta"])
    desired = {"features": {"S3_DATA_EVENTS": "ALL", "EBS_MALWARE_PROTECTION": "NEW"}}
    run = ModuleRun(MODULE, desired)
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("regions.us-east-1.organization.auto_enable_organization_members", "NONE", "ALL"),
        ("regions.us-east-1.organization.features.S3_DATA_EVENTS", "NONE", "ALL"),
        ("regions.us-east-1.organization.features.EBS_MALWARE_PROTECTION", "NONE", "NEW"),
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["guardduty:UpdateOrganizationConfiguration"]
    found = org_config(org["beta"], detector)
    assert found["AutoEnableOrganizationMembers"] == "ALL"
    features = {f["Name"]: f["AutoEnable"] for f in found["Features"]}
    assert features["S3_DATA_EVENTS"] == "ALL" and features["EBS_MALWARE_PROTECTION"] == "NEW"
    assert features["RDS_LOGIN_EVENTS"] == "NONE"  # unlisted: unmanaged, untouched
    assert write_calls(run.apply()) == []


def test_drifted_new_only_in_one_region(org):
    us = designate(org["gamma"])
    eu = designate(org["gamma"], "eu-west-1")
    admin = member_client("guardduty", org["gamma"])
    admin.update_organization_configuration(DetectorId=us, AutoEnableOrganizationMembers="ALL")
    member_client("guardduty", org["gamma"], "eu-west-1").update_organization_configuration(
        DetectorId=eu, AutoEnableOrganizationMembers="NEW"
    )
    run = ModuleRun(MODULE, {"regions": ["us-east-1", "eu-west-1"]})
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("regions.eu-west-1.organization.auto_enable_organization_members", "NEW", "ALL")
    ]
    assert write_calls(run.apply()) == ["guardduty:UpdateOrganizationConfiguration"]
    assert org_config(org["gamma"], eu, "eu-west-1")["AutoEnableOrganizationMembers"] == "ALL"
    assert write_calls(run.apply()) == []


def test_no_administrator_is_refused(org):
    result = ModuleRun(MODULE, {}).plan()
    assert result.action == "error" and "refused" in result.error and "delegated-admins" in result.error


def test_other_administrator_is_refused(org):
    designate(org["alpha"])
    result = ModuleRun(MODULE, {"admin_account_id": org["beta"]}).plan()
    assert result.action == "error" and f"administered by {org['alpha']}" in result.error


def test_administrator_without_detector_is_refused(org):
    designate(org["alpha"], detector=False)
    result = ModuleRun(MODULE, {}).plan()
    assert result.action == "error" and "no GuardDuty detector" in result.error


def test_access_denied_in_the_admin_account(org):
    designate(org["alpha"])
    run = ModuleRun(MODULE, {})
    deny(run.sessions, "guardduty.DescribeOrganizationConfiguration")
    result = run.plan()
    assert result.action == "error"
    assert MANAGEMENT in result.error and "AccessDenied" in result.error
    assert "DescribeOrganizationConfiguration" in result.error
