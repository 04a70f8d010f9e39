from datetime import UTC, datetime, timedelta

import boto3
import pytest

from remediations.iam_access_keys import IamAccessKeys
from soc2ctl_sandbox.moto_ext.iam_account import backdate_access_key, set_root_access_keys
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "iam-access-keys"


@pytest.fixture
def days_later(monkeypatch):
    """Move the module's clock forward: moto stamps keys with the real time."""

    def move(days):
        later = datetime.now(UTC) + timedelta(days=days)
        monkeypatch.setattr(IamAccessKeys, "clock", staticmethod(lambda: later))

    return move


def user_key(iam, user):
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return f"{arn}/accesskey/{key['AccessKeyId']}", key


def use(key):
    """A call signed with the key: moto records it as the key's last use."""
    boto3.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    ).get_caller_identity()


def changes(result):
    return {(c.path, c.before, c.after) for c in result.changes}


def test_recent_keys_are_compliant(org, days_later):
    path, key = user_key(member_client("iam", org["alpha"]), "ci")
    use(key)
    days_later(10)
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.observed[path]["within_max_age"] and result.observed[path]["used_recently"]
    assert result.observed[path]["last_used"] is not None
    assert result.observed[f"arn:aws:iam::{org['alpha']}:root"] == {"access_keys_present": False}


def test_old_unused_key_is_detected(org, days_later):
    path, _ = user_key(member_client("iam", org["beta"]), "legacy")
    days_later(200)
    result = ModuleRun(MODULE, {}, org["beta"]).plan()
    assert result.action == "detect"
    assert changes(result) == {
        (f"[{path}].within_max_age", False, True),
        (f"[{path}].used_recently", False, True),
    }


def test_old_key_in_use_still_needs_rotation_and_unused_limit_is_separate(org, days_later):
    iam = member_client("iam", org["beta"])
    old, key = user_key(iam, "busy")
    use(key)
    days_later(100)
    assert changes(ModuleRun(MODULE, {"max_unused_days": 120}, org["beta"]).plan()) == {
        (f"[{old}].within_max_age", False, True)
    }
    idle = ModuleRun(MODULE, {"max_age_days": 365, "max_unused_days": 30}, org["beta"]).plan()
    assert changes(idle) == {(f"[{old}].used_recently", False, True)}


def test_inactive_keys_are_left_alone(org, days_later):
    iam = member_client("iam", org["gamma"])
    _, key = user_key(iam, "retired")
    iam.update_access_key(UserName="retired", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    days_later(400)
    assert ModuleRun(MODULE, {}, org["gamma"]).plan().action == "no-op"


def test_root_access_keys_are_detected(org):
    set_root_access_keys(org["alpha"], True)
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "detect"
    assert changes(result) == {(f"[arn:aws:iam::{org['alpha']}:root].access_keys_present", True, False)}


def test_detect_apply_never_writes(org, days_later):
    user_key(member_client("iam", org["alpha"]), "legacy")
    days_later(200)
    result = ModuleRun(MODULE, {}, org["alpha"]).apply()
    assert (result.action, result.status, write_calls(result)) == ("detect", "out-of-state", [])


def test_deactivate_sets_offending_keys_inactive_only(org):
    iam = member_client("iam", org["beta"])
    old, old_key = user_key(iam, "legacy")
    backdate_access_key(org["beta"], old_key["AccessKeyId"], days=200)
    fresh, fresh_key = user_key(iam, "ci")
    use(fresh_key)
    run = ModuleRun(MODULE, {"deactivate": True}, org["beta"])
    planned = run.plan()
    assert planned.action == "update"
    assert changes(planned) == {(f"[{old}].active", True, False)}
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["iam:UpdateAccessKey"]
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for user in ("legacy", "ci")
        for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    }
    assert statuses == {old_key["AccessKeyId"]: "Inactive", fresh_key["AccessKeyId"]: "Active"}
    assert fresh.endswith(fresh_key["AccessKeyId"])
    assert write_calls(run.apply()) == []


def test_deactivate_cannot_remove_root_keys(org, days_later):
    iam = member_client("iam", org["gamma"])
    user_key(iam, "legacy")
    set_root_access_keys(org["gamma"], True)
    days_later(200)
    applied = ModuleRun(MODULE, {"deactivate": True}, org["gamma"]).apply()
    assert applied.status == "failed"
    assert f"account {org['gamma']}" in applied.error and "root access keys" in applied.error
    assert iam.list_access_keys(UserName="legacy")["AccessKeyMetadata"][0]["Status"] == "Inactive"
