from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "kms-key-rotation"


def new_key(kms, **kwargs) -> str:
    return kms.create_key(**kwargs)["KeyMetadata"]["Arn"]


def key_id(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def test_compliant_is_noop_and_unrotatable_keys_are_reported_not_touched(org):
    kms = member_client("kms", org["alpha"])
    rotating = new_key(kms)
    kms.enable_key_rotation(KeyId=rotating)
    signing = new_key(kms, KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.changes == []
    assert result.observed[rotating] == {"rotation_enabled": True, "rotation_period_days": 365}
    assert "symmetric encryption keys only" in result.observed[signing]["skipped"]


def test_drifted_key_gets_one_change_with_its_arn_and_is_fixed(org):
    kms = member_client("kms", org["beta"])
    rotating, drifted = new_key(kms), new_key(kms)
    kms.enable_key_rotation(KeyId=rotating)
    run = ModuleRun(MODULE, {}, org["beta"])
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (f"[{drifted}].rotation_enabled", False, True)
    ]
    applied = run.apply()
    assert applied.status == "changed"
    assert write_calls(applied) == ["kms:EnableKeyRotation"]
    assert (
        member_client("kms", org["beta"]).get_key_rotation_status(KeyId=drifted)["KeyRotationEnabled"] is True
    )


def test_rotation_period_is_created_and_then_updated(org):
    kms = member_client("kms", org["gamma"])
    key = new_key(kms)
    run = ModuleRun(MODULE, {"rotation_period_days": 180}, org["gamma"])
    planned = run.plan()
    assert {(c.path, c.before, c.after, c.action) for c in planned.changes} == {
        (f"[{key}].rotation_enabled", False, True, "update"),
        (f"[{key}].rotation_period_days", None, 180, "create"),
    }
    assert write_calls(run.apply()) == ["kms:EnableKeyRotation"]
    assert kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"] == 180

    longer = ModuleRun(MODULE, {"rotation_period_days": 730}, org["gamma"])
    assert [(c.path, c.before, c.after) for c in longer.plan().changes] == [
        (f"[{key}].rotation_period_days", 180, 730)
    ]
    assert longer.apply().status == "changed"
    assert kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"] == 730


def test_keys_aws_cannot_rotate_are_skipped_with_the_reason(org):
    kms = member_client("kms", org["alpha"])
    aws_managed = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]
    hmac = new_key(kms, KeyUsage="GENERATE_VERIFY_MAC", KeySpec="HMAC_256")
    imported = new_key(kms, Origin="EXTERNAL")
    deleting = new_key(kms)
    kms.schedule_key_deletion(KeyId=key_id(deleting), PendingWindowInDays=7)  # moto: key id, not ARN
    disabled = new_key(kms)
    kms.disable_key(KeyId=key_id(disabled))
    result = ModuleRun(MODULE, {}, org["alpha"]).apply()
    assert result.status == "ok"
    assert write_calls(result) == []
    reasons = {arn: state["skipped"] for arn, state in result.observed.items()}
    assert "AWS-managed" in reasons[aws_managed]
    assert "HMAC_256" in reasons[hmac]
    assert "imported key material" in reasons[imported]
    assert "PendingDeletion" in reasons[deleting]
    assert "Disabled" in reasons[disabled]


def test_every_key_across_list_keys_pages_is_reported(org):
    kms = member_client("kms", org["beta"])
    keys = {new_key(kms) for _ in range(5)}
    run = ModuleRun(MODULE, {}, org["beta"])

    def small_pages(params, **_):
        params.setdefault("Limit", 2)  # AWS pages at 100 by default; moto (patched) honours Limit/Marker

    run.sessions.register("before-parameter-build.kms.ListKeys", small_pages)
    planned = run.plan()
    assert set(planned.observed) == keys
    assert {c.path for c in planned.changes} == {f"[{k}].rotation_enabled" for k in keys}
    assert [c.operation for c in planned.calls].count("ListKeys") == 3
    assert run.apply().status == "changed"
    assert all(kms.get_key_rotation_status(KeyId=k)["KeyRotationEnabled"] for k in keys)


def test_no_keys_is_noop_in_another_region(org):
    new_key(member_client("kms", org["alpha"]))  # us-east-1 only
    result = ModuleRun(MODULE, {}, org["alpha"], region="eu-west-1").plan()
    assert result.action == "no-op"
    assert result.observed == {}
