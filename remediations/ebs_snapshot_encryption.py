"""Every EBS snapshot the account owns is encrypted (detect: a snapshot cannot be encrypted in place)."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class EbsSnapshotEncryptionParams(Params):
    """No parameters: a snapshot is encrypted or it is not."""


class EbsSnapshotEncryption(Remediation[EbsSnapshotEncryptionParams]):
    """EBS snapshots the account owns are encrypted, so backups hold no readable copy of the data.

    `ebs-default-encryption` keeps new volumes (and so their snapshots) encrypted; this lists older ones."""

    name = "ebs-snapshot-encryption"
    scope = Scope.REGION
    risk = "low"  # detect only: nothing is written
    criteria = ("CC7.5", "C1.1", "A1.2")
    prowler_checks = ("ec2_ebs_snapshots_encrypted",)
    read_actions = ("ec2:DescribeSnapshots",)
    detect_only = True
    human_step = (
        "Copy the snapshot with encryption on (CopySnapshot --encrypted, optionally with a KMS key), point "
        "backups and AMIs at the copy, then delete the unencrypted snapshot."
    )

    def read(self, ctx: TaskContext, params: EbsSnapshotEncryptionParams) -> dict[str, Any]:
        snapshots = paginate(ctx.client("ec2"), "describe_snapshots", "Snapshots", OwnerIds=["self"])
        return {  # snapshot ARNs name no account
            ctx.arn("ec2", f"snapshot/{s['SnapshotId']}", account_id=""): {
                "encrypted": bool(s.get("Encrypted"))
            }
            for s in snapshots
        }

    def desired(self, ctx: TaskContext, params: EbsSnapshotEncryptionParams, observed: Any) -> dict[str, Any]:
        return {arn: {"encrypted": True} for arn in observed}
