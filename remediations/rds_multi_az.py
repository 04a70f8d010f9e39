"""Every RDS DB instance and cluster runs in more than one Availability Zone (detect unless enabled)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._compute import RDS_READS, is_cluster, modify_rds, rds_resources
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext, UnsafeChange


class RdsMultiAzParams(Params):
    enable: bool = Field(
        default=False,
        description="Convert single-AZ DB instances to Multi-AZ (doubles their cost); false: report only.",
    )


class RdsMultiAz(Remediation[RdsMultiAzParams]):
    """RDS DB instances are Multi-AZ and clusters span Availability Zones (detect; `enable` converts instances).

    A cluster is Multi-AZ when it has instances in more than one zone: no setting makes it so, so clusters
    stay detect-only even with `enable` (apply converts the instances, then reports the clusters left)."""

    name = "rds-multi-az"
    scope = Scope.REGION
    risk = (
        "medium"  # a Multi-AZ standby doubles the instance's cost; the conversion adds I/O load for a while
    )
    criteria = ("A1.2",)
    prowler_checks = ("rds_instance_multi_az", "rds_cluster_multi_az")
    config_rules = ("rds-multi-az-support",)
    securityhub_controls = ("RDS.5", "RDS.15")
    read_actions = RDS_READS
    write_actions = ("rds:ModifyDBInstance",)
    detect_only = True
    human_step = (
        "DB instances: set enable: true (or modify the instance to Multi-AZ in a quiet hour). Clusters: add a "
        "reader instance in another Availability Zone (Aurora), or recreate as a Multi-AZ DB cluster."
    )

    def detects_only(self, params: RdsMultiAzParams) -> bool:
        return not params.enable

    def read(self, ctx: TaskContext, params: RdsMultiAzParams) -> dict[str, Any]:
        found = rds_resources(ctx, {"multi_az": "MultiAZ"})
        return {arn: {"multi_az": bool(s["multi_az"])} for arn, s in found.items()}

    def desired(self, ctx: TaskContext, params: RdsMultiAzParams, observed: Any) -> dict[str, Any]:
        return {arn: {"multi_az": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[RdsMultiAzParams]) -> None:
        """Converts the instances, then refuses to call the task done while clusters remain single-AZ."""
        clusters = [arn for arn in change.changed_keys() if is_cluster(arn)]
        for arn in change.changed_keys():
            if not is_cluster(arn):
                modify_rds(ctx, arn, MultiAZ=True)
        if clusters:
            raise UnsafeChange(
                f"clusters in one Availability Zone, no API setting fixes: {clusters}. {self.human_step}"
            )
