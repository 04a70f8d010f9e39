from tests.helpers import ModuleRun, member_client, write_calls


def test_compliant_is_noop(org):
    member_client("ec2", org["alpha"]).enable_ebs_encryption_by_default()
    result = ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.changes == []


def test_absent_default_plans_update_and_apply_fixes(org):
    run = ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [("enabled", False, True)]
    applied = run.apply()
    assert applied.status == "changed"
    assert write_calls(applied) == ["ec2:EnableEbsEncryptionByDefault"]
    ec2 = member_client("ec2", org["alpha"], "eu-west-1")
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    # other region untouched
    assert (
        member_client("ec2", org["alpha"]).get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    )


def test_drifted_kms_key_is_corrected_and_alias_compares_equal(org):
    kms = member_client("kms", org["beta"])
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/ebs-soc2", TargetKeyId=key)
    ec2 = member_client("ec2", org["beta"])
    ec2.enable_ebs_encryption_by_default()
    run = ModuleRun("ebs-default-encryption", {"enabled": True, "kms_key_id": key}, org["beta"])
    planned = run.plan()
    assert [c.path for c in planned.changes] == ["kms_key_id"]
    assert planned.changes[0].before.endswith("alias/aws/ebs")
    assert run.apply().status == "changed"
    assert ec2.get_ebs_default_kms_key_id()["KmsKeyId"].endswith(key)
    assert run.plan().action == "no-op"
