"""Fills in AWS APIs that moto lacks, so the sandbox and the test suite can exercise the real modules.

These patches touch moto only (its response classes and backends), never soc2ctl's modules, and are
applied in the sandbox server process and in the test suite. Every gap is listed in docs/moto-gaps.md.
"""

from __future__ import annotations

from typing import Any

_applied = False


def apply() -> None:
    """Idempotently install every extension."""
    global _applied
    if _applied:
        return
    _ebs_default_kms_key()
    _applied = True


def _ebs_default_kms_key() -> None:
    """moto stores ModifyEbsDefaultKmsKeyId but has no GetEbsDefaultKmsKeyId / ResetEbsDefaultKmsKeyId."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses.settings import Settings

    def aws_managed_default(backend: Any) -> str:
        return f"arn:aws:kms:{backend.region_name}:{backend.account_id}:alias/aws/ebs"

    def get_ebs_default_kms_key_id(self: Any) -> ActionResult:
        backend = self.ec2_backend
        return ActionResult({"KmsKeyId": backend.default_kms_key_id or aws_managed_default(backend)})

    def reset_ebs_default_kms_key_id(self: Any) -> ActionResult:
        backend = self.ec2_backend
        backend.default_kms_key_id = ""
        return ActionResult({"KmsKeyId": aws_managed_default(backend)})

    Settings.get_ebs_default_kms_key_id = get_ebs_default_kms_key_id
    Settings.reset_ebs_default_kms_key_id = reset_ebs_default_kms_key_id
