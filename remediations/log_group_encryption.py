"""CloudWatch log groups encrypted with a customer KMS key: detect, or associate the named key."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class LogGroupEncryptionParams(Params):
    kms_key_arn: str | None = Field(
        default=None,
        pattern=r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$",
        description="Key ARN in the task's region (template it with {{ region }}) whose policy lets "
        "logs.<region>.amazonaws.com use it; null: detect only.",
    )


class LogGroupEncryption(Remediation[LogGroupEncryptionParams]):
    """Every CloudWatch Logs log group is encrypted with a KMS key (groups with a key keep theirs)."""

    name = "log-group-encryption"
    scope = Scope.REGION
    # Once associated, the group depends on the key: a key disabled, deleted or whose policy stops allowing
    # CloudWatch Logs means no more log events can be written or read (evidence stops).
    risk = "high"
    criteria = ("CC6.1", "C1.1", "PI1.4")
    prowler_checks = ("cloudwatch_log_group_kms_encryption_enabled",)
    config_rules = ("cloudwatch-log-group-encrypted",)
    read_actions = ("logs:DescribeLogGroups",)
    write_actions = ("logs:AssociateKmsKey",)
    detect_only = True
    human_step = (
        "Create a KMS key whose policy allows logs.<region>.amazonaws.com, then associate it with each listed "
        "log group (aws logs associate-kms-key), or name it as kms_key_arn."
    )

    def detects_only(self, params: LogGroupEncryptionParams) -> bool:
        return not params.kms_key_arn

    def read(self, ctx: TaskContext, params: LogGroupEncryptionParams) -> dict[str, Any]:
        groups = paginate(ctx.client("logs"), "describe_log_groups", "logGroups")
        return {
            ctx.arn("logs", f"log-group:{g['logGroupName']}"): {
                "encrypted": bool(g.get("kmsKeyId")),
                "kms_key_id": g.get("kmsKeyId"),
            }
            for g in groups
        }

    def desired(self, ctx: TaskContext, params: LogGroupEncryptionParams, observed: Any) -> dict[str, Any]:
        """A group with any key keeps it; one without gets the named key (detect: must have one)."""
        fix = {"kms_key_id": params.kms_key_arn} if params.kms_key_arn else {}
        return {arn: {"encrypted": True, **({} if s["encrypted"] else fix)} for arn, s in observed.items()}

    def apply(self, ctx: TaskContext, change: PlannedChange[LogGroupEncryptionParams]) -> None:
        logs = ctx.client("logs")
        for arn in change.changed_keys():
            name = arn.split(":log-group:", 1)[1]
            logs.associate_kms_key(logGroupName=name, kmsKeyId=change.params.kms_key_arn)
