from tests.helpers import STRONG_PASSWORD_POLICY, ModuleRun, member_client

STRONG = STRONG_PASSWORD_POLICY


def test_compliant_is_noop(org):
    member_client("iam", org["alpha"]).update_account_password_policy(**STRONG)
    assert ModuleRun("iam-password-policy", {}, org["alpha"]).plan().action == "no-op"


def test_stricter_existing_policy_is_kept(org):
    member_client("iam", org["alpha"]).update_account_password_policy(
        **{**STRONG, "MinimumPasswordLength": 20, "MaxPasswordAge": 30}
    )
    assert ModuleRun("iam-password-policy", {}, org["alpha"]).plan().action == "no-op"
    strict_equal = ModuleRun("iam-password-policy", {"keep_stricter": False}, org["alpha"]).plan()
    assert {c.path for c in strict_equal.changes} == {"minimum_password_length", "max_password_age"}


def test_absent_policy_is_created(org):
    run = ModuleRun("iam-password-policy", {"minimum_password_length": 16}, org["beta"])
    planned = run.plan()
    assert planned.action == "create"
    assert ("minimum_password_length", None, 16) in [(c.path, c.before, c.after) for c in planned.changes]
    assert run.apply().status == "changed"
    policy = member_client("iam", org["beta"]).get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 16
    assert policy["PasswordReusePrevention"] == 24


def test_drifted_fields_only(org):
    member_client("iam", org["gamma"]).update_account_password_policy(
        **{**STRONG, "MinimumPasswordLength": 8, "RequireSymbols": False}
    )
    planned = ModuleRun("iam-password-policy", {}, org["gamma"]).plan()
    assert planned.action == "update"
    assert {(c.path, c.before, c.after) for c in planned.changes} == {
        ("minimum_password_length", 8, 14),
        ("require_symbols", False, True),
    }
