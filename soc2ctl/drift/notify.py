"""The drift summary to an SNS topic (`--notify sns:ARN`): one message per run that has something to say.

Why one message and only then: a schedule runs every hour; a message per task or per clean run trains
people to ignore the topic. The subject is the verdict line (e-mail subscribers read only that); the body is
the JSON summary, trimmed to the task list's head if it would exceed SNS's 256 KB.
"""

from __future__ import annotations

import json
from typing import Any

from soc2ctl.errors import UserError

MAX_BYTES = 250_000  # SNS allows 256 KB; keep room for the envelope
MAX_SUBJECT = 100


def parse_target(target: str) -> str:
    """`sns:arn:PARTITION:sns:region:account:topic` -> the topic ARN (any partition)."""
    scheme, _, arn = target.partition(":")
    if scheme != "sns" or not arn.startswith("arn:") or arn.count(":") < 5:
        raise UserError(
            f"--notify {target!r}: expected sns:<topic ARN>, e.g. sns:arn:aws-us-gov:sns:REGION:ACCOUNT:TOPIC"
        )
    return arn


def topic_region(arn: str) -> str:
    return arn.split(":")[3]


def subject(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    text = (
        f"soc2ctl drift: {s['drift']} drift, {s['never_compliant']} never-compliant, "
        f"{s['remediated']} restored, {s['errors']} errors"
    )
    if doc["blast_radius"]["breached"]:
        text = "LIMIT EXCEEDED, nothing applied - " + text
    return text[:MAX_SUBJECT]


def body(doc: dict[str, Any]) -> str:
    """The summary as JSON; tasks dropped from the end (with a count) until it fits."""
    tasks = list(doc["tasks"])
    while True:
        shown = {**doc, "tasks": tasks}
        if len(tasks) < len(doc["tasks"]):
            shown["tasks_omitted"] = len(doc["tasks"]) - len(tasks)
        text = json.dumps(shown, indent=1, default=str)
        if len(text.encode()) <= MAX_BYTES or not tasks:
            return text
        tasks = tasks[: len(tasks) // 2]


def publish(client: Any, arn: str, doc: dict[str, Any]) -> str:
    """Publish and return the MessageId (recorded in the run's summary)."""
    resp = client.publish(
        TopicArn=arn,
        Subject=subject(doc),
        Message=body(doc),
        MessageAttributes={
            "run_id": {"DataType": "String", "StringValue": doc["run_id"]},
            "breached": {"DataType": "String", "StringValue": str(doc["blast_radius"]["breached"]).lower()},
        },
    )
    return resp["MessageId"]
