import pytest
from pydantic import ValidationError

from soc2ctl import registry
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "backup-vault"
VAULT = "soc2-backup-vault"
CREATE = {"create_kms_key": True}


def alias_arn(account: str, region: str = "us-east-1") -> str:
    return f"arn:aws:kms:{region}:{account}:alias/soc2-backup"


def make_key(account: str, region: str = "us-east-1", alias: str = "alias/soc2-backup") -> str:
    kms = member_client("kms", account, region)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key["Arn"]


def make_vault(account: str, key: str, region: str = "us-east-1", min_days: int | None = 7) -> None:
    backup = member_client("backup", account, region)
    backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=key)
    if min_days is not None:
        backup.put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=min_days)


def test_compliant_is_noop(org):
    make_vault(org["alpha"], make_key(org["alpha"]))
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op", result.changes


def test_absent_key_and_vault_are_created(org):
    run = ModuleRun(MODULE, {**CREATE, "max_retention_days": 365}, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    alias = alias_arn(org["beta"], "eu-west-1")
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("kms_key", None, alias),
        (
            "vault",
            None,
            {"encryption_key": alias, "locked": True, "min_retention_days": 7, "max_retention_days": 365},
        ),
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == [
        "kms:CreateKey",
        "kms:EnableKeyRotation",
        "kms:CreateAlias",
        "backup:CreateBackupVault",
        "backup:PutBackupVaultLockConfiguration",
    ]
    kms = member_client("kms", org["beta"], "eu-west-1")
    key = kms.describe_key(KeyId="alias/soc2-backup")["KeyMetadata"]
    assert (
        key["KeyManager"] == "CUSTOMER"
        and kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    )
    vault = member_client("backup", org["beta"], "eu-west-1").describe_backup_vault(BackupVaultName=VAULT)
    assert vault["EncryptionKeyArn"] == key["Arn"]
    assert (vault["Locked"], vault["MinRetentionDays"], vault["MaxRetentionDays"]) == (True, 7, 365)


def test_drifted_unlocked_vault_is_locked(org):
    make_vault(org["gamma"], make_key(org["gamma"]), min_days=None)
    run = ModuleRun(MODULE, {"min_retention_days": 14}, org["gamma"])
    assert [(c.path, c.before, c.after) for c in run.plan().changes] == [
        ("vault.locked", False, True),
        ("vault.min_retention_days", None, 14),
    ]
    assert write_calls(run.apply()) == ["backup:PutBackupVaultLockConfiguration"]
    vault = member_client("backup", org["gamma"]).describe_backup_vault(BackupVaultName=VAULT)
    assert (vault["Locked"], vault["MinRetentionDays"]) == (True, 14)


def test_missing_key_without_create_is_refused(org):
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "error"
    assert "alias/soc2-backup does not exist" in result.error and "create_kms_key" in result.error


def test_vault_with_another_key_is_refused_not_replaced(org):
    make_key(org["alpha"])
    other = make_key(org["alpha"], alias="alias/other")
    make_vault(org["alpha"], other)
    result = ModuleRun(MODULE, CREATE, org["alpha"]).apply()
    assert result.status == "failed" or result.action == "error"
    assert "cannot be changed" in result.error
    vault = member_client("backup", org["alpha"]).describe_backup_vault(BackupVaultName=VAULT)
    assert vault["EncryptionKeyArn"] == other


def test_key_given_as_arn(org):
    key = make_key(org["beta"])
    run = ModuleRun(MODULE, {"kms_key_id": key}, org["beta"])
    assert run.apply().status == "changed"
    assert run.plan().action == "no-op"


@pytest.mark.parametrize(
    "params",
    [
        {"create_kms_key": True, "kms_key_id": "arn:aws:kms:us-east-1:111111111111:key/x"},
        {"min_retention_days": 30, "max_retention_days": 7},
        {"changeable_for_days": 1},
    ],
)
def test_incoherent_parameters_are_refused_by_the_schema(params):
    with pytest.raises(ValidationError):
        registry.get(MODULE).Params.model_validate(params)
