"""Snapshots of every RDS DB instance and cluster carry the database's tags."""

from __future__ import annotations

from typing import Any

from remediations._compute import RDS_READS, modify_rds, rds_resources
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class RdsCopyTagsParams(Params):
    """No parameters: tags are copied or they are not."""


class RdsCopyTagsToSnapshots(Remediation[RdsCopyTagsParams]):
    """RDS DB instances and clusters copy their tags to snapshots, so a backup keeps its owner and its data
    classification (what tag-based retention, access and recovery decisions rely on)."""

    name = "rds-copy-tags-to-snapshots"
    scope = Scope.REGION
    risk = "low"  # only adds tags to future snapshots
    criteria = ("CC7.5", "A1.2")
    prowler_checks = ("rds_instance_copy_tags_to_snapshots", "rds_cluster_copy_tags_to_snapshots")
    securityhub_controls = ("RDS.16", "RDS.17")
    read_actions = RDS_READS
    write_actions = ("rds:ModifyDBInstance", "rds:ModifyDBCluster")

    def read(self, ctx: TaskContext, params: RdsCopyTagsParams) -> dict[str, Any]:
        found = rds_resources(ctx, {"copy_tags": "CopyTagsToSnapshot"})
        return {arn: {"copy_tags_to_snapshot": bool(s["copy_tags"])} for arn, s in found.items()}

    def desired(self, ctx: TaskContext, params: RdsCopyTagsParams, observed: Any) -> dict[str, Any]:
        return {arn: {"copy_tags_to_snapshot": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[RdsCopyTagsParams]) -> None:
        for arn in change.changed_keys():
            modify_rds(ctx, arn, CopyTagsToSnapshot=True)
