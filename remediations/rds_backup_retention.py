"""Automated backups of every RDS DB instance and cluster are kept at least the minimum number of days."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._compute import RDS_READS, db_clusters, modify_rds, standalone_instances
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class RdsBackupRetentionParams(Params):
    min_retention_days: int = Field(
        default=7, ge=1, le=35, description="Days of automated backups to keep at least (RDS allows 1..35)."
    )


class RdsBackupRetention(Remediation[RdsBackupRetentionParams]):
    """RDS DB instances and clusters keep automated backups at least `min_retention_days` (longer is kept).

    Read replicas are listed but not managed: their backups follow the engine's replica rules, and Prowler
    skips them too. Cluster members take the cluster's retention, so the cluster is managed instead."""

    name = "rds-backup-retention"
    scope = Scope.REGION
    # Turning backups on (0 -> N days) restarts a DB instance briefly, and backup storage costs money.
    risk = "medium"
    criteria = ("A1.2", "CC7.4", "CC9.1")
    prowler_checks = ("rds_instance_backup_enabled",)
    config_rules = ("db-instance-backup-enabled",)
    securityhub_controls = ("RDS.11",)
    read_actions = RDS_READS
    write_actions = ("rds:ModifyDBInstance", "rds:ModifyDBCluster")

    def read(self, ctx: TaskContext, params: RdsBackupRetentionParams) -> dict[str, Any]:
        rds = ctx.client("rds")
        found: dict[str, Any] = {}
        for instance in standalone_instances(rds):
            replica_of = instance.get("ReadReplicaSourceDBInstanceIdentifier")
            days = instance.get("BackupRetentionPeriod", 0)
            found[instance["DBInstanceArn"]] = (
                {"skipped": f"read replica of {replica_of}"}
                if replica_of
                else {"backup_retention_days": days}
            )
        for cluster in db_clusters(rds):
            found[cluster["DBClusterArn"]] = {
                "backup_retention_days": cluster.get("BackupRetentionPeriod", 0)
            }
        return found

    def desired(self, ctx: TaskContext, params: RdsBackupRetentionParams, observed: Any) -> dict[str, Any]:
        return {
            arn: {"backup_retention_days": max(state["backup_retention_days"], params.min_retention_days)}
            for arn, state in observed.items()
            if "skipped" not in state
        }

    def apply(self, ctx: TaskContext, change: PlannedChange[RdsBackupRetentionParams]) -> None:
        for arn in change.changed_keys():
            modify_rds(ctx, arn, BackupRetentionPeriod=change.desired[arn]["backup_retention_days"])
