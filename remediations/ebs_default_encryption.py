"""EBS encryption by default, optionally with a chosen KMS key."""

from __future__ import annotations

from typing import Any

from remediations._aws import kms_arn
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class EbsDefaultEncryptionParams(Params):
    enabled: bool = True
    kms_key_id: str | None = None  # key id, key ARN, alias name or alias ARN; None leaves the key unmanaged


class EbsDefaultEncryption(Remediation[EbsDefaultEncryptionParams]):
    """New EBS volumes and snapshot copies are encrypted by default in every region."""

    name = "ebs-default-encryption"
    scope = Scope.REGION
    risk = "medium"  # a key that launching roles cannot use makes instance launches fail
    criteria = ("CC6.1", "C1.1")
    prowler_checks = ("ec2_ebs_default_encryption",)
    config_rules = ("ec2-ebs-encryption-by-default",)
    securityhub_controls = ("EC2.7",)
    read_actions = ("ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId")
    write_actions = (
        "ec2:EnableEbsEncryptionByDefault",
        "ec2:DisableEbsEncryptionByDefault",
        "ec2:ModifyEbsDefaultKmsKeyId",
    )

    def read(self, ctx: TaskContext, params: EbsDefaultEncryptionParams) -> dict[str, Any]:
        ec2 = ctx.client("ec2")
        state: dict[str, Any] = {"enabled": ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]}
        if params.kms_key_id:
            state["kms_key_id"] = kms_arn(
                ec2.get_ebs_default_kms_key_id()["KmsKeyId"], ctx.region, ctx.account_id
            )
        return state

    def desired(self, ctx: TaskContext, params: EbsDefaultEncryptionParams, observed: Any) -> dict[str, Any]:
        want: dict[str, Any] = {"enabled": params.enabled}
        if params.kms_key_id:
            want["kms_key_id"] = kms_arn(params.kms_key_id, ctx.region, ctx.account_id)
        return want

    def apply(self, ctx: TaskContext, change: PlannedChange[EbsDefaultEncryptionParams]) -> None:
        params = change.params
        ec2 = ctx.client("ec2")
        if change.touches("kms_key_id"):
            ec2.modify_ebs_default_kms_key_id(KmsKeyId=params.kms_key_id)
        if change.touches("enabled"):
            if params.enabled:
                ec2.enable_ebs_encryption_by_default()
            else:
                ec2.disable_ebs_encryption_by_default()
