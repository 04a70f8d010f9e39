"""Every RDS DB instance and cluster encrypts its storage at rest (detect: no API encrypts one in place)."""

from __future__ import annotations

from typing import Any

from remediations._compute import RDS_READS, rds_resources
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class RdsStorageEncryptionParams(Params):
    """No parameters: storage is encrypted or it is not."""


class RdsStorageEncryption(Remediation[RdsStorageEncryptionParams]):
    """RDS DB instances and clusters are encrypted at rest (detect: encryption is chosen at creation).

    A cluster member's storage is its cluster's, so clusters are listed instead of their members."""

    name = "rds-storage-encryption"
    scope = Scope.REGION
    risk = "low"  # detect only: nothing is written
    criteria = ("CC6.1", "C1.1", "PI1.5")
    prowler_checks = ("rds_instance_storage_encrypted", "rds_cluster_storage_encrypted")
    config_rules = ("rds-storage-encrypted",)
    securityhub_controls = ("RDS.3", "RDS.27")
    read_actions = RDS_READS
    detect_only = True
    human_step = (
        "Encrypt by copy: snapshot the instance (or cluster), copy the snapshot with a KMS key "
        "(CopyDBSnapshot/CopyDBClusterSnapshot --kms-key-id), restore a new encrypted database from the copy, "
        "move clients to its endpoint in a maintenance window, then delete the unencrypted one."
    )

    def read(self, ctx: TaskContext, params: RdsStorageEncryptionParams) -> dict[str, Any]:
        found = rds_resources(ctx, {"storage_encrypted": "StorageEncrypted"})
        return {arn: {"storage_encrypted": bool(s["storage_encrypted"])} for arn, s in found.items()}

    def desired(self, ctx: TaskContext, params: RdsStorageEncryptionParams, observed: Any) -> dict[str, Any]:
        return {arn: {"storage_encrypted": True} for arn in observed}
