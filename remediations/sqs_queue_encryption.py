"""SQS queues encrypted at rest: SSE-SQS where a queue has no encryption, or the named KMS key."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class SqsQueueEncryptionParams(Params):
    kms_key_id: str | None = Field(
        default=None,
        max_length=2048,
        description="KMS key (ARN or alias) for queues without encryption; its policy must let every "
        "producer use it. null: SSE-SQS (queue-managed keys, nothing to grant).",
    )


class SqsQueueEncryption(Remediation[SqsQueueEncryptionParams]):
    """Every SQS queue encrypts messages at rest (SSE-SQS, or SSE-KMS with the named key); queues already
    encrypted keep their encryption."""

    name = "sqs-queue-encryption"
    scope = Scope.REGION
    # SSE-SQS is transparent to producers and consumers; a named KMS key refuses those its policy omits.
    risk = "low"
    criteria = ("CC6.1", "C1.1")
    prowler_checks = ("sqs_queues_server_side_encryption_enabled",)
    # No AWS Config managed rule: SQS.1's `sqs-queue-encrypted` is a custom rule of Security Hub's own.
    securityhub_controls = ("SQS.1",)
    read_actions = ("sqs:ListQueues", "sqs:GetQueueAttributes")
    write_actions = ("sqs:SetQueueAttributes",)

    def read(self, ctx: TaskContext, params: SqsQueueEncryptionParams) -> dict[str, Any]:
        sqs = ctx.client("sqs")
        found = {}
        for url in paginate(sqs, "list_queues", "QueueUrls", MaxResults=1000):
            attrs = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn", "SqsManagedSseEnabled", "KmsMasterKeyId"]
            )["Attributes"]
            found[attrs["QueueArn"]] = {
                "url": url,
                "encryption": "SSE-KMS" if attrs.get("KmsMasterKeyId")
                else "SSE-SQS" if attrs.get("SqsManagedSseEnabled") == "true" else None,
            }  # fmt: skip
        return found

    def desired(self, ctx: TaskContext, params: SqsQueueEncryptionParams, observed: Any) -> dict[str, Any]:
        fix = "SSE-KMS" if params.kms_key_id else "SSE-SQS"
        return {arn: {"encryption": s["encryption"] or fix} for arn, s in observed.items()}

    def apply(self, ctx: TaskContext, change: PlannedChange[SqsQueueEncryptionParams]) -> None:
        sqs = ctx.client("sqs")
        key = change.params.kms_key_id
        attributes = {"KmsMasterKeyId": key} if key else {"SqsManagedSseEnabled": "true"}
        for arn in change.changed_keys():
            sqs.set_queue_attributes(QueueUrl=change.observed[arn]["url"], Attributes=attributes)
