"""Deletion protection on every DynamoDB table."""

from __future__ import annotations

from typing import Any

from remediations._data import table_names
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class DynamodbDeletionProtection(Remediation[Params]):
    """Every DynamoDB table has deletion protection (DeleteTable fails until it is turned off)."""

    name = "dynamodb-deletion-protection"
    scope = Scope.REGION
    risk = "medium"  # tools that delete tables (test teardown, IaC replacements) fail until it is turned off
    criteria = ("A1.2", "CC9.1")
    prowler_checks = ("dynamodb_table_deletion_protection_enabled",)
    config_rules = ("dynamodb-table-deletion-protection-enabled",)
    securityhub_controls = ("DynamoDB.6",)
    read_actions = ("dynamodb:ListTables", "dynamodb:DescribeTable")
    write_actions = ("dynamodb:UpdateTable",)

    def read(self, ctx: TaskContext, params: Params) -> dict[str, Any]:
        dynamodb = ctx.client("dynamodb")
        found = {}
        for name in table_names(ctx):
            table = dynamodb.describe_table(TableName=name)["Table"]
            found[table["TableArn"]] = {"deletion_protection": bool(table.get("DeletionProtectionEnabled"))}
        return found

    def desired(self, ctx: TaskContext, params: Params, observed: Any) -> dict[str, Any]:
        return {arn: {"deletion_protection": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[Params]) -> None:
        dynamodb = ctx.client("dynamodb")
        for arn in change.changed_keys():
            dynamodb.update_table(TableName=arn.rsplit("/", 1)[-1], DeletionProtectionEnabled=True)
