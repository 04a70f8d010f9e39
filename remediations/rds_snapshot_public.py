"""No manual RDS DB or cluster snapshot is public (restorable by any AWS account)."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from remediations._compute import rds_id
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class RdsSnapshotPublicParams(Params):
    """No parameters: a snapshot is public or it is not."""


def _public(attributes: list[dict[str, Any]]) -> bool:
    """Public means `all` among the accounts allowed to restore it."""
    return any(a["AttributeName"] == "restore" and "all" in a.get("AttributeValues", []) for a in attributes)


class RdsSnapshotPublic(Remediation[RdsSnapshotPublicParams]):
    """Manual RDS DB and cluster snapshots are not public; shares with named accounts are kept.

    Only manual snapshots can be shared: automated ones are never public."""

    name = "rds-snapshot-public"
    scope = Scope.REGION
    risk = "medium"  # anyone restoring from the public snapshot (another team's account) can no longer
    criteria = ("CC6.1", "C1.1")
    prowler_checks = ("rds_snapshots_public_access",)
    config_rules = ("rds-snapshots-public-prohibited",)
    securityhub_controls = ("RDS.1",)
    read_actions = (
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
    )
    write_actions = ("rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute")

    def read(self, ctx: TaskContext, params: RdsSnapshotPublicParams) -> dict[str, Any]:
        rds = ctx.client("rds")
        found: dict[str, Any] = {}
        for snap in paginate(rds, "describe_db_snapshots", "DBSnapshots", SnapshotType="manual"):
            attrs = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
            found[snap["DBSnapshotArn"]] = {
                "public": _public(attrs["DBSnapshotAttributesResult"]["DBSnapshotAttributes"])
            }
        clusters = paginate(rds, "describe_db_cluster_snapshots", "DBClusterSnapshots", SnapshotType="manual")
        for snap in clusters:
            attrs = rds.describe_db_cluster_snapshot_attributes(
                DBClusterSnapshotIdentifier=snap["DBClusterSnapshotIdentifier"]
            )["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
            found[snap["DBClusterSnapshotArn"]] = {"public": _public(attrs)}
        return found

    def desired(self, ctx: TaskContext, params: RdsSnapshotPublicParams, observed: Any) -> dict[str, Any]:
        return {arn: {"public": False} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[RdsSnapshotPublicParams]) -> None:
        rds = ctx.client("rds")
        for arn in change.changed_keys():
            unshare = {"AttributeName": "restore", "ValuesToRemove": ["all"]}
            if is_cluster_snapshot(arn):
                rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier=rds_id(arn), **unshare)
            else:
                rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=rds_id(arn), **unshare)


def is_cluster_snapshot(arn: str) -> bool:
    """`...:cluster-snapshot:<id>` (DB snapshots are `...:snapshot:<id>`)."""
    return arn.split(":")[5] == "cluster-snapshot"
