from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"

# The playbook's defaults (vars `backup_vault_name`, `backup_kms_key`, `backup_vault_min_retention_days`).
VAULT = "soc2-backup-vault"
ALIAS = "alias/soc2-backup"
MIN_RETENTION_DAYS = 7


def seed(ctx: SeedContext) -> None:
    """compliant: a rotated customer key with its alias, the vault encrypted with it and locked (min 7
    days); drifted: the same, but the us-east-1 vault has no lock; fresh: nothing."""
    if ctx.posture == "fresh":
        return
    kms = ctx.client("kms")
    key = kms.create_key(Description="soc2 backups")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key["KeyId"])
    backup = ctx.client("backup")
    backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=key["Arn"])
    if not (ctx.posture == "drifted" and ctx.region == "us-east-1"):
        backup.put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=MIN_RETENTION_DAYS)
