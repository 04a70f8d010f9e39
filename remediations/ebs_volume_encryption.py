"""Every EBS volume is encrypted (detect: no API encrypts a volume in place)."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class EbsVolumeEncryptionParams(Params):
    """No parameters: a volume is encrypted or it is not."""


class EbsVolumeEncryption(Remediation[EbsVolumeEncryptionParams]):
    """EBS volumes are encrypted at rest (detect: encryption is set when a volume is created).

    `ebs-default-encryption` makes every new volume encrypted; this lists the ones made before it."""

    name = "ebs-volume-encryption"
    scope = Scope.REGION
    risk = "low"  # detect only: nothing is written
    criteria = ("CC6.1", "C1.1", "PI1.5")
    prowler_checks = ("ec2_ebs_volume_encryption",)
    config_rules = ("encrypted-volumes",)
    securityhub_controls = ("EC2.3",)
    read_actions = ("ec2:DescribeVolumes",)
    detect_only = True
    human_step = (
        "Snapshot the volume, create an encrypted volume from the snapshot (or copy the snapshot with "
        "--encrypted), stop the instance, swap the volumes at the same device name, start it, then delete the "
        "unencrypted volume and snapshot. Keep ebs-default-encryption on so no new one appears."
    )

    def read(self, ctx: TaskContext, params: EbsVolumeEncryptionParams) -> dict[str, Any]:
        volumes = paginate(ctx.client("ec2"), "describe_volumes", "Volumes")
        return {
            ctx.arn("ec2", f"volume/{v['VolumeId']}"): {"encrypted": bool(v.get("Encrypted"))}
            for v in volumes
        }

    def desired(self, ctx: TaskContext, params: EbsVolumeEncryptionParams, observed: Any) -> dict[str, Any]:
        return {arn: {"encrypted": True} for arn in observed}
