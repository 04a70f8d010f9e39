"""EBS snapshot block public access: no snapshot of the region can be shared publicly."""

from __future__ import annotations

from typing import Any, Literal

from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

SnapshotBpaState = Literal["block-all-sharing", "block-new-sharing", "unblocked"]


class EbsSnapshotPublicAccessParams(Params):
    state: SnapshotBpaState = "block-all-sharing"  # block-new-sharing leaves existing public snapshots public


class EbsSnapshotPublicAccess(Remediation[EbsSnapshotPublicAccessParams]):
    """EBS snapshots cannot be shared publicly in any region (snapshot block public access)."""

    name = "ebs-snapshot-public-access"
    scope = Scope.REGION
    risk = "medium"  # publicly shared snapshots stop being reachable by their consumers
    criteria = ("CC6.1", "C1.1")
    prowler_checks = ("ec2_ebs_snapshot_account_block_public_access", "ec2_ebs_public_snapshot")
    config_rules = ("ebs-snapshot-public-restorable-check",)
    securityhub_controls = ("EC2.1",)
    read_actions = ("ec2:GetSnapshotBlockPublicAccessState",)
    write_actions = ("ec2:EnableSnapshotBlockPublicAccess", "ec2:DisableSnapshotBlockPublicAccess")

    def read(self, ctx: TaskContext, params: EbsSnapshotPublicAccessParams) -> dict[str, Any]:
        return {"state": ctx.client("ec2").get_snapshot_block_public_access_state()["State"]}

    def apply(self, ctx: TaskContext, change: PlannedChange[EbsSnapshotPublicAccessParams]) -> None:
        params = change.params
        ec2 = ctx.client("ec2")
        if params.state == "unblocked":  # Enable refuses `unblocked`: turning the block off is Disable
            ec2.disable_snapshot_block_public_access()
        else:
            ec2.enable_snapshot_block_public_access(State=params.state)
