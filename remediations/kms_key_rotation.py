"""Automatic rotation for every customer-managed symmetric KMS key."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class KmsKeyRotationParams(Params):
    rotation_period_days: int | None = Field(
        default=None, ge=90, le=2560, description="Days between rotations; None leaves the period unmanaged."
    )


def skip_reason(meta: dict[str, Any]) -> str | None:
    """Why AWS cannot (or need not) rotate this key automatically; None for a key this control manages.

    EnableKeyRotation fails on every key skipped here, so they are reported, never written to."""
    if meta.get("KeyManager") != "CUSTOMER":
        return "AWS-managed key: AWS rotates it every year"
    if meta.get("KeySpec", meta.get("CustomerMasterKeySpec")) != "SYMMETRIC_DEFAULT":
        return f"{meta.get('KeySpec')} key: automatic rotation is for symmetric encryption keys only"
    if meta.get("Origin") == "EXTERNAL":
        return "imported key material: rotate it manually (import new material into a new key)"
    if meta.get("Origin") != "AWS_KMS":
        return f"key in a custom key store ({meta.get('Origin')}): no automatic rotation"
    if meta.get("MultiRegionConfiguration", {}).get("MultiRegionKeyType") == "REPLICA":
        return "multi-Region replica: rotation is set on its primary key"
    if meta.get("KeyState") != "Enabled":
        return f"key is {meta.get('KeyState')}: rotation applies to enabled keys only"
    return None


class KmsKeyRotation(Remediation[KmsKeyRotationParams]):
    """Rotation is on for every customer-managed symmetric KMS key (others are listed with the reason)."""

    name = "kms-key-rotation"
    scope = Scope.REGION
    risk = "low"  # rotation keeps old key material; nothing stops working
    criteria = ("CC6.1", "C1.1")
    prowler_checks = ("kms_cmk_rotation_enabled",)
    config_rules = ("cmk-backing-key-rotation-enabled",)
    securityhub_controls = ("KMS.4",)
    read_actions = ("kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus")
    write_actions = ("kms:EnableKeyRotation",)  # never turns rotation off: no DisableKeyRotation

    def read(self, ctx: TaskContext, params: KmsKeyRotationParams) -> dict[str, Any]:
        kms = ctx.client("kms")
        return {
            key["KeyArn"]: self._key_state(kms, key["KeyArn"]) for key in paginate(kms, "list_keys", "Keys")
        }

    @staticmethod
    def _key_state(kms: Any, arn: str) -> dict[str, Any]:
        reason = skip_reason(kms.describe_key(KeyId=arn)["KeyMetadata"])
        if reason:
            return {"skipped": reason}
        status = kms.get_key_rotation_status(KeyId=arn)
        return {
            "rotation_enabled": status["KeyRotationEnabled"],
            "rotation_period_days": status.get("RotationPeriodInDays"),
        }

    def desired(self, ctx: TaskContext, params: KmsKeyRotationParams, observed: Any) -> dict[str, Any]:
        want: dict[str, Any] = {"rotation_enabled": True}
        if params.rotation_period_days:
            want["rotation_period_days"] = params.rotation_period_days
        return {arn: dict(want) for arn, state in observed.items() if "skipped" not in state}

    def apply(self, ctx: TaskContext, change: PlannedChange[KmsKeyRotationParams]) -> None:
        params = change.params
        kms = ctx.client("kms")
        period = {"RotationPeriodInDays": params.rotation_period_days} if params.rotation_period_days else {}
        for arn in change.changed_keys():
            kms.enable_key_rotation(KeyId=arn, **period)  # also sets the period of an already rotating key
