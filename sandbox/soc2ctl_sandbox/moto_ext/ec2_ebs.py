"""EC2: GetEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId (moto stores Modify... but cannot read it back)."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.responses.settings import Settings

    def aws_managed_default(backend: Any) -> str:
        from moto.utilities.utils import get_partition

        partition = get_partition(backend.region_name)
        return f"arn:{partition}:kms:{backend.region_name}:{backend.account_id}:alias/aws/ebs"

    def get_ebs_default_kms_key_id(self: Any) -> ActionResult:
        backend = self.ec2_backend
        return ActionResult({"KmsKeyId": backend.default_kms_key_id or aws_managed_default(backend)})

    def reset_ebs_default_kms_key_id(self: Any) -> ActionResult:
        backend = self.ec2_backend
        backend.default_kms_key_id = ""
        return ActionResult({"KmsKeyId": aws_managed_default(backend)})

    Settings.get_ebs_default_kms_key_id = get_ebs_default_kms_key_id
    Settings.reset_ebs_default_kms_key_id = reset_ebs_default_kms_key_id
