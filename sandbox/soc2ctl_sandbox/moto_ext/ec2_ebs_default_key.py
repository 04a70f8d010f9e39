"""EC2/KMS: the key behind `alias/aws/ebs`, made by moto on the first encrypted volume, is a customer key.

In AWS the first volume encrypted without a KmsKeyId uses the AWS-managed key `aws/ebs` (KeyManager AWS,
rotated by AWS). moto's EBS backend makes that key with a plain CreateKey, so it reports KeyManager CUSTOMER
with rotation off, and `kms-key-rotation` would find an unrotated customer key in every account that has an
encrypted volume. Here the key is marked AWS-managed and rotating, as `kms_keys.py` does for the keys moto
makes behind the other `alias/aws/*` names.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.ec2.models.elastic_block_store import EBSBackend
    from moto.kms import kms_backends

    original = EBSBackend._create_default_encryption_key

    def create_default_encryption_key(self: Any) -> str:
        arn = original(self)
        key = kms_backends[self.account_id][self.region_name].describe_key(arn)
        key.key_manager = "AWS"
        key.key_rotation_status = True
        return arn

    EBSBackend._create_default_encryption_key = create_default_encryption_key
