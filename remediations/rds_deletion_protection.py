"""Deletion protection is on for every RDS DB instance and cluster."""

from __future__ import annotations

from typing import Any

from remediations._compute import RDS_READS, modify_rds, rds_resources
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class RdsDeletionProtectionParams(Params):
    """No parameters: protection is on or it is not."""


class RdsDeletionProtection(Remediation[RdsDeletionProtectionParams]):
    """RDS DB instances and clusters have deletion protection, so no single call deletes a database.

    A cluster member is protected by its cluster's setting (Prowler's instance check reads it there too)."""

    name = "rds-deletion-protection"
    scope = Scope.REGION
    risk = "low"  # only adds protection: deleting a database then takes turning it off first
    criteria = ("A1.2", "C1.1")
    prowler_checks = ("rds_instance_deletion_protection", "rds_cluster_deletion_protection")
    config_rules = ("rds-instance-deletion-protection-enabled", "rds-cluster-deletion-protection-enabled")
    securityhub_controls = ("RDS.7", "RDS.8")
    read_actions = RDS_READS
    write_actions = ("rds:ModifyDBInstance", "rds:ModifyDBCluster")

    def read(self, ctx: TaskContext, params: RdsDeletionProtectionParams) -> dict[str, Any]:
        found = rds_resources(ctx, {"deletion_protection": "DeletionProtection"})
        return {arn: {"deletion_protection": bool(s["deletion_protection"])} for arn, s in found.items()}

    def desired(self, ctx: TaskContext, params: RdsDeletionProtectionParams, observed: Any) -> dict[str, Any]:
        return {arn: {"deletion_protection": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[RdsDeletionProtectionParams]) -> None:
        for arn in change.changed_keys():
            modify_rds(ctx, arn, DeletionProtection=True)
