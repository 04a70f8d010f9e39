"""No RDS DB instance is publicly accessible (no public DNS answer for its endpoint)."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from remediations._compute import modify_rds
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class RdsPublicAccessParams(Params):
    """No parameters: an instance is private or it is not."""


class RdsPublicAccess(Remediation[RdsPublicAccessParams]):
    """No RDS DB instance is publicly accessible (cluster members included: the setting is per instance).

    Stricter than Prowler's `rds_instance_no_public_access`, which fails an instance only when it is publicly
    accessible AND its security group opens the port to the internet in a public subnet; Security Hub RDS.2
    and the Config rule test the flag alone, as this control does."""

    name = "rds-public-access"
    scope = Scope.REGION
    # Clients that reach the database over the internet lose their connection.
    risk = "high"
    criteria = ("CC6.1", "CC6.2", "CC6.6")
    prowler_checks = ("rds_instance_no_public_access",)
    config_rules = ("rds-instance-public-access-check",)
    securityhub_controls = ("RDS.2",)
    read_actions = ("rds:DescribeDBInstances",)
    write_actions = ("rds:ModifyDBInstance",)

    def read(self, ctx: TaskContext, params: RdsPublicAccessParams) -> dict[str, Any]:
        instances = paginate(ctx.client("rds"), "describe_db_instances", "DBInstances")
        return {
            i["DBInstanceArn"]: {"publicly_accessible": bool(i.get("PubliclyAccessible"))} for i in instances
        }

    def desired(self, ctx: TaskContext, params: RdsPublicAccessParams, observed: Any) -> dict[str, Any]:
        return {arn: {"publicly_accessible": False} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[RdsPublicAccessParams]) -> None:
        for arn in change.changed_keys():
            modify_rds(ctx, arn, PubliclyAccessible=False)
