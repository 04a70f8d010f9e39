"""Every CloudWatch log group keeps its events for at least the minimum retention (never-expire complies)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext, same

# The only values CloudWatch Logs accepts for retentionInDays.
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


class LogRetentionParams(Params):
    min_retention_days: int = 365

    @field_validator("min_retention_days")
    @classmethod
    def _accepted_by_aws(cls, value: int) -> int:
        """Refuse at plan time a value PutRetentionPolicy would reject at apply time."""
        if value not in RETENTION_DAYS:
            raise ValueError(f"must be one of CloudWatch Logs' retention values {list(RETENTION_DAYS)}")
        return value


def group_name(arn: str) -> str:
    """`arn:<partition>:logs:<region>:<account>:log-group:<name>` -> name (log group names hold no colon)."""
    return arn.split(":log-group:", 1)[1]


def group_arn(group: dict[str, Any]) -> str:
    """The log group ARN without the `:*` that `arn` carries (`logGroupArn` is the newer, clean field)."""
    return group.get("logGroupArn") or group["arn"].removesuffix(":*")


class LogRetention(Remediation[LogRetentionParams]):
    """Log groups are retained at least `min_retention_days`, so evidence outlives the audit period.

    A group that never expires, or keeps events longer than the minimum, is compliant and left alone: the
    control only ever raises retention, never shortens it."""

    name = "log-retention"
    scope = Scope.REGION
    risk = "low"  # only raises retention; logs are kept longer, never deleted sooner
    criteria = ("CC7.2", "PI1.4")
    prowler_checks = ("cloudwatch_log_group_retention_policy_specific_days_enabled",)
    config_rules = ("cw-loggroup-retention-period-check",)
    securityhub_controls = ("CloudWatch.16",)
    read_actions = ("logs:DescribeLogGroups",)
    write_actions = ("logs:PutRetentionPolicy",)

    def read(self, ctx: TaskContext, params: LogRetentionParams) -> dict[str, Any]:
        groups = paginate(ctx.client("logs"), "describe_log_groups", "logGroups")
        return {group_arn(g): {"retention_days": g.get("retentionInDays")} for g in groups}

    def desired(self, ctx: TaskContext, params: LogRetentionParams, observed: Any) -> dict[str, Any]:
        return {arn: {"retention_days": self._wanted(state, params)} for arn, state in observed.items()}

    @staticmethod
    def _wanted(state: dict[str, Any], params: LogRetentionParams) -> int | None:
        days = state.get("retention_days")
        return days if days is None or days >= params.min_retention_days else params.min_retention_days

    def apply(self, ctx: TaskContext, change: PlannedChange[LogRetentionParams]) -> None:
        params, observed = change.params, change.observed
        logs = ctx.client("logs")
        for arn, state in observed.items():
            wanted = self._wanted(state, params)
            if not same(state.get("retention_days"), wanted):
                logs.put_retention_policy(logGroupName=group_name(arn), retentionInDays=wanted)
