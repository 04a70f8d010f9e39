from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "iam-user-mfa"
ENFORCE = {"enforce_deny_without_mfa": True}
POLICY = "soc2ctl-deny-without-mfa"


def console_user(iam, name, *, mfa):
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.create_login_profile(UserName=name, Password="Not-a-real-Passw0rd!")
    if mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    return arn


def attached(iam, name):
    return [p["PolicyName"] for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]]


def test_console_users_with_mfa_are_compliant(org):
    iam = member_client("iam", org["alpha"])
    arn = console_user(iam, "alice", mfa=True)
    iam.create_user(UserName="api-only")  # no console password: not in scope
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.observed == {arn: {"mfa": True}}


def test_console_user_without_mfa_is_detected(org):
    iam = member_client("iam", org["beta"])
    console_user(iam, "alice", mfa=True)
    bob = console_user(iam, "bob", mfa=False)
    result = ModuleRun(MODULE, {}, org["beta"]).plan()
    assert result.action == "detect"
    assert [(c.path, c.before, c.after) for c in result.changes] == [(f"[{bob}].mfa", False, True)]


def test_no_users_is_noop(org):
    assert ModuleRun(MODULE, {}, org["gamma"]).plan().action == "no-op"


def test_every_page_of_users_is_read(org):
    iam = member_client("iam", MANAGEMENT_ACCOUNT)
    for i in range(104):
        iam.create_user(UserName=f"u{i:03}")
    last = console_user(iam, "zz-last", mfa=False)
    result = ModuleRun(MODULE, {}, MANAGEMENT_ACCOUNT).plan()
    assert [c.path for c in result.changes] == [f"[{last}].mfa"]


def test_detect_apply_never_writes(org):
    console_user(member_client("iam", org["alpha"]), "bob", mfa=False)
    run = ModuleRun(MODULE, {}, org["alpha"])
    result = run.apply()
    assert (result.action, result.status, write_calls(result)) == ("detect", "out-of-state", [])


def test_enforce_creates_the_policy_once_and_attaches_it_to_offenders(org):
    iam = member_client("iam", org["alpha"])
    console_user(iam, "alice", mfa=True)
    bob, carol = console_user(iam, "bob", mfa=False), console_user(iam, "carol", mfa=False)
    run = ModuleRun(MODULE, ENFORCE, org["alpha"])
    planned = run.plan()
    assert planned.action == "update"
    assert {(c.path, c.before, c.after) for c in planned.changes} == {
        (f"[{bob}].deny_without_mfa", False, True),
        (f"[{carol}].deny_without_mfa", False, True),
    }
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert sorted(write_calls(applied)) == [
        "iam:AttachUserPolicy",
        "iam:AttachUserPolicy",
        "iam:CreatePolicy",
    ]
    assert attached(iam, "bob") == attached(iam, "carol") == [POLICY]
    assert attached(iam, "alice") == []
    statements = iam.get_policy_version(
        PolicyArn=f"arn:aws:iam::{org['alpha']}:policy/{POLICY}", VersionId="v1"
    )["PolicyVersion"]["Document"]["Statement"]
    deny_stmt = next(s for s in statements if s["Effect"] == "Deny")
    assert deny_stmt["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    assert write_calls(run.apply()) == []


def test_enforce_reuses_an_existing_policy(org):
    iam = member_client("iam", org["beta"])
    console_user(iam, "bob", mfa=False)
    run = ModuleRun(MODULE, ENFORCE, org["beta"])
    run.apply()
    console_user(iam, "dave", mfa=False)
    assert write_calls(run.apply()) == ["iam:AttachUserPolicy"]
    assert attached(iam, "dave") == [POLICY]
