"""SNS topics encrypted at rest with KMS: detect, or set the named key on topics without one."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class SnsTopicEncryptionParams(Params):
    kms_key_id: str | None = Field(
        default=None,
        max_length=2048,
        description="Customer KMS key (ARN or alias in the task's region) whose policy lets every publisher "
        "(CloudWatch alarms, EventBridge, S3 events...) use it; null: detect only. Not alias/aws/sns: AWS "
        "services cannot publish to topics encrypted with it.",
    )


class SnsTopicEncryption(Remediation[SnsTopicEncryptionParams]):
    """Every SNS topic encrypts messages at rest with a KMS key (topics with a key keep theirs)."""

    name = "sns-topic-encryption"
    scope = Scope.REGION
    risk = "high"  # a publisher the key's policy does not allow can no longer publish: alarms go unheard
    criteria = ("CC6.1", "C1.1", "PI1.4")
    prowler_checks = ("sns_topics_kms_encryption_at_rest_enabled",)
    config_rules = ("sns-encrypted-kms",)
    securityhub_controls = ("SNS.1",)
    read_actions = ("sns:ListTopics", "sns:GetTopicAttributes")
    write_actions = ("sns:SetTopicAttributes",)
    detect_only = True
    human_step = (
        "Create a KMS key whose policy allows each topic's publishers, then set it on each listed topic "
        "(KmsMasterKeyId), or name it as kms_key_id."
    )

    def detects_only(self, params: SnsTopicEncryptionParams) -> bool:
        return not params.kms_key_id

    def read(self, ctx: TaskContext, params: SnsTopicEncryptionParams) -> dict[str, Any]:
        sns = ctx.client("sns")
        found = {}
        for topic in paginate(sns, "list_topics", "Topics"):
            key = sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"].get("KmsMasterKeyId")
            found[topic["TopicArn"]] = {"encrypted": bool(key), "kms_key_id": key or None}
        return found

    def desired(self, ctx: TaskContext, params: SnsTopicEncryptionParams, observed: Any) -> dict[str, Any]:
        fix = {"kms_key_id": params.kms_key_id} if params.kms_key_id else {}
        return {arn: {"encrypted": True, **({} if s["encrypted"] else fix)} for arn, s in observed.items()}

    def apply(self, ctx: TaskContext, change: PlannedChange[SnsTopicEncryptionParams]) -> None:
        sns = ctx.client("sns")
        for arn in change.changed_keys():
            sns.set_topic_attributes(
                TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=change.params.kms_key_id
            )
