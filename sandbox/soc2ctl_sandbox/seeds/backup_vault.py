from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"

# The playbook's defaults (vars `backup_vault_name`, `backup_kms_key`, `backup_vault_min_retention_days`,
# `backup_vault_max_retention_days`).
VAULT = "soc2-backup-vault"
ALIAS = "alias/soc2-backup"
MIN_RETENTION_DAYS = 7
MAX_RETENTION_DAYS = 365


def seed(ctx: SeedContext) -> None:
    """compliant: a rotated customer key with its alias, the vault encrypted with it and locked (7 to 365
    days); drifted: the same, but the us-east-1 vault has no lock and the eu-west-1 lock no maximum;
    fresh: nothing."""
    if ctx.posture == "fresh":
        return
    kms = ctx.client("kms")
    key = kms.create_key(Description="soc2 backups")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key["KeyId"])
    backup = ctx.client("backup")
    backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=key["Arn"])
    if ctx.posture == "drifted" and ctx.region == "us-east-1":
        return
    lock = {"MinRetentionDays": MIN_RETENTION_DAYS}
    if ctx.posture == "compliant":
        lock["MaxRetentionDays"] = MAX_RETENTION_DAYS
    backup.put_backup_vault_lock_configuration(BackupVaultName=VAULT, **lock)
