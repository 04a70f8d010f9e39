"""Point-in-time recovery on every DynamoDB table."""

from __future__ import annotations

from typing import Any

from remediations._data import table_names
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class DynamodbPitr(Remediation[Params]):
    """Every DynamoDB table has point-in-time recovery (restore to any second of the last 35 days)."""

    name = "dynamodb-pitr"
    scope = Scope.REGION
    risk = "low"  # adds continuous backups (cost); reads and writes are unaffected
    criteria = ("A1.2", "CC7.4", "CC9.1")
    prowler_checks = ("dynamodb_tables_pitr_enabled",)
    config_rules = ("dynamodb-pitr-enabled",)
    securityhub_controls = ("DynamoDB.2",)
    read_actions = ("dynamodb:ListTables", "dynamodb:DescribeContinuousBackups")
    write_actions = ("dynamodb:UpdateContinuousBackups",)

    def read(self, ctx: TaskContext, params: Params) -> dict[str, Any]:
        dynamodb = ctx.client("dynamodb")
        found = {}
        for name in table_names(ctx):
            backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
            status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
            found[ctx.arn("dynamodb", f"table/{name}")] = {"pitr_enabled": status == "ENABLED"}
        return found

    def desired(self, ctx: TaskContext, params: Params, observed: Any) -> dict[str, Any]:
        return {arn: {"pitr_enabled": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[Params]) -> None:
        dynamodb = ctx.client("dynamodb")
        for arn in change.changed_keys():
            dynamodb.update_continuous_backups(
                TableName=arn.rsplit("/", 1)[-1],
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
