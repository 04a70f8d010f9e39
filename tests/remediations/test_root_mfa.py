from soc2ctl_sandbox.moto_ext.iam_account import set_root_mfa
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "root-mfa"


def changes(result):
    return {(c.path, c.before, c.after) for c in result.changes}


def test_member_with_virtual_mfa_is_compliant(org):
    set_root_mfa(org["alpha"], "virtual")
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.observed == {"mfa_enabled": True}  # a member's device may be an app


def test_management_with_hardware_mfa_is_compliant(org):
    set_root_mfa(MANAGEMENT_ACCOUNT, "hardware")
    result = ModuleRun(MODULE, {}, MANAGEMENT_ACCOUNT).plan()
    assert result.action == "no-op"
    assert result.observed == {"mfa_enabled": True, "hardware_mfa": True}


def test_management_with_virtual_mfa_needs_hardware(org):
    set_root_mfa(MANAGEMENT_ACCOUNT, "virtual")
    result = ModuleRun(MODULE, {}, MANAGEMENT_ACCOUNT).plan()
    assert result.action == "detect"
    assert changes(result) == {("hardware_mfa", False, True)}
    relaxed = ModuleRun(MODULE, {"hardware_for_management": False}, MANAGEMENT_ACCOUNT).plan()
    assert relaxed.action == "no-op"


def test_absent_mfa_is_a_finding_with_a_human_step(org):
    member = ModuleRun(MODULE, {}, org["beta"]).plan()
    assert member.action == "detect"
    assert changes(member) == {("mfa_enabled", False, True)}
    management = ModuleRun(MODULE, {}, MANAGEMENT_ACCOUNT).plan()
    assert changes(management) == {("mfa_enabled", False, True), ("hardware_mfa", False, True)}
    assert "root user" in member.task.module.human_step


def test_another_accounts_root_device_does_not_count(org):
    set_root_mfa(org["alpha"], "virtual")  # listed in alpha, not in the management account
    set_root_mfa(MANAGEMENT_ACCOUNT, "hardware")
    assert ModuleRun(MODULE, {}, MANAGEMENT_ACCOUNT).plan().action == "no-op"
    devices = member_client("iam", org["alpha"]).list_virtual_mfa_devices(AssignmentStatus="Assigned")
    assert [d["User"]["Arn"] for d in devices["VirtualMFADevices"]] == [f"arn:aws:iam::{org['alpha']}:root"]


def test_apply_never_writes(org):
    run = ModuleRun(MODULE, {}, MANAGEMENT_ACCOUNT)
    result = run.apply()
    assert result.action == "detect" and result.status == "out-of-state"
    assert write_calls(result) == []
    assert write_calls(run.apply()) == []
