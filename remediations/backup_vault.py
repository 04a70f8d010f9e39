"""A backup vault encrypted with a customer-managed KMS key and protected by a vault lock."""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field, model_validator

from remediations._aws import create_aliased_key, kms_arn, or_absent
from soc2ctl.remediation import (
    Params,
    PlannedChange,
    Remediation,
    Resource,
    Scope,
    Target,
    TaskContext,
    UnsafeChange,
    same,
)


class BackupVaultParams(Params):
    vault_name: str = Field("soc2-backup-vault", pattern=r"^[A-Za-z0-9_.-]{2,50}$")
    kms_key_id: str = "alias/soc2-backup"  # alias, key id or ARN of a customer-managed key
    create_kms_key: bool = False  # create the key (and alias) when the alias does not exist
    min_retention_days: int | None = Field(7, ge=1)  # vault lock; None: unmanaged
    max_retention_days: int | None = Field(None, le=36500)
    # Days until the lock becomes immutable (compliance mode). None: governance mode, removable by IAM.
    changeable_for_days: int | None = Field(None, ge=3)

    @model_validator(mode="after")
    def _coherent(self) -> BackupVaultParams:
        """Refuse at plan time what AWS Backup or KMS would refuse at apply time."""
        if self.create_kms_key and not self.kms_key_id.startswith("alias/"):
            raise ValueError("create_kms_key needs kms_key_id to be an alias name (alias/...)")
        low, high = self.min_retention_days, self.max_retention_days
        if low is not None and high is not None and low > high:
            raise ValueError("min_retention_days must not exceed max_retention_days")
        return self


class BackupVault(Remediation[BackupVaultParams]):
    """Backups sit in a vault encrypted with a customer-managed KMS key and protected by a vault lock.

    The vault's key cannot be changed after creation, nor a lock past its grace period: such drift is
    refused (the plan says what a person must do) rather than "fixed" by replacing the vault."""

    name = "backup-vault"
    scope = Scope.REGION
    # a vault lock refuses deletions inside its retention range and, in compliance mode, can never be removed
    risk = "high"
    criteria = ("A1.2", "CC9.1")
    prowler_checks = ("backup_vaults_exist", "backup_vaults_encrypted", "backup_recovery_point_encrypted")
    config_rules = ("backup-recovery-point-encrypted",)
    securityhub_controls = ("Backup.1",)
    read_actions = ("backup:DescribeBackupVault", "kms:DescribeKey", "kms:ListKeys", "kms:ListResourceTags")
    write_actions = (
        "backup:CreateBackupVault",
        "backup:PutBackupVaultLockConfiguration",
        "kms:CreateKey",
        "kms:TagResource",  # CreateKey with Tags: the key is found by its soc2ctl:alias tag after a lost response
        "kms:EnableKeyRotation",
        "kms:CreateAlias",
    )

    def provides(self, target: Target, params: BackupVaultParams) -> list[Resource]:
        return [Resource("backup-vault", f"{target.account_id}/{target.region}/{params.vault_name}")]

    def read(self, ctx: TaskContext, params: BackupVaultParams) -> dict[str, Any]:
        wanted = kms_arn(params.kms_key_id, ctx.region, ctx.account_id)
        key = self._key_arn(ctx, params)
        vault = or_absent(
            lambda: ctx.client("backup").describe_backup_vault(BackupVaultName=params.vault_name),
            "ResourceNotFoundException",
        )
        return {
            "kms_key": wanted if key else None,
            "key_arn": key,
            "vault": self._summary(vault, key, wanted),
        }

    @staticmethod
    def _key_arn(ctx: TaskContext, params: BackupVaultParams) -> str | None:
        """The key ARN behind the parameter (aliases resolved), None when the alias or key does not exist."""
        found = or_absent(
            lambda: ctx.client("kms").describe_key(KeyId=params.kms_key_id), "NotFoundException"
        )
        return found["KeyMetadata"]["Arn"] if found else None

    @staticmethod
    def _summary(vault: dict[str, Any] | None, key: str | None, wanted: str | None) -> dict[str, Any] | None:
        """The vault; its key shown as the parameter's ARN when it is that key, so an alias compares equal."""
        if vault is None:
            return None
        found = vault.get("EncryptionKeyArn")
        return {
            "encryption_key": wanted if key and found == key else found,
            "locked": vault.get("Locked", False),
            "min_retention_days": vault.get("MinRetentionDays"),
            "max_retention_days": vault.get("MaxRetentionDays"),
            "lock_date": vault["LockDate"].timestamp() if vault.get("LockDate") else None,
        }

    def desired(self, ctx: TaskContext, params: BackupVaultParams, observed: Any) -> dict[str, Any]:
        wanted = kms_arn(params.kms_key_id, ctx.region, ctx.account_id)
        vault: dict[str, Any] = {"encryption_key": wanted, "locked": True}
        for key in ("min_retention_days", "max_retention_days"):
            if getattr(params, key) is not None:
                vault[key] = getattr(params, key)
        return {"kms_key": wanted, "vault": vault}

    def guard(self, ctx: TaskContext, change: PlannedChange[BackupVaultParams]) -> None:
        params, observed = change.params, change.observed
        if change.touches("kms_key") and not params.create_kms_key:
            raise UnsafeChange(
                f"KMS key {params.kms_key_id} does not exist in {ctx.region}: create it, or set create_kms_key"
            )
        if change.touches("vault", "encryption_key"):
            raise UnsafeChange(
                f"vault {params.vault_name} is encrypted with {observed['vault']['encryption_key']}; a vault's key "
                "cannot be changed: create a vault with another name and move the backup plans to it"
            )
        lock_date = (observed.get("vault") or {}).get("lock_date")
        if (
            lock_date
            and lock_date <= time.time()
            and (
                change.touches("vault", "min_retention_days") or change.touches("vault", "max_retention_days")
            )
        ):
            raise UnsafeChange(f"vault {params.vault_name}'s lock is immutable since its grace period ended")

    def apply(self, ctx: TaskContext, change: PlannedChange[BackupVaultParams]) -> None:
        params, observed = change.params, change.observed
        key = observed.get("key_arn") or self._create_key(ctx, params)
        backup = ctx.client("backup")
        if observed.get("vault") is None:
            backup.create_backup_vault(BackupVaultName=params.vault_name, EncryptionKeyArn=key)
        want = change.desired["vault"]
        have = observed.get("vault") or {}
        lock_keys = ("locked", "min_retention_days", "max_retention_days")
        if not all(same(have.get(k), want[k]) for k in lock_keys if k in want):
            self._lock(backup, params)

    @staticmethod
    def _create_key(ctx: TaskContext, params: BackupVaultParams) -> str:
        meta = create_aliased_key(  # rotating, or kms-key-rotation reports it next
            ctx.client("kms"),
            params.kms_key_id,
            Description=f"soc2ctl backup-vault {params.vault_name}",
            KeySpec="SYMMETRIC_DEFAULT",
        )
        return meta["Arn"]

    @staticmethod
    def _lock(backup: Any, params: BackupVaultParams) -> None:
        settings = {
            "MinRetentionDays": params.min_retention_days,
            "MaxRetentionDays": params.max_retention_days,
            "ChangeableForDays": params.changeable_for_days,
        }
        backup.put_backup_vault_lock_configuration(
            BackupVaultName=params.vault_name, **{k: v for k, v in settings.items() if v is not None}
        )
