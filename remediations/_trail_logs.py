"""CloudTrail → CloudWatch Logs delivery of the organization trail: the log group and the role CloudTrail
assumes to write to it.

Why org-cloudtrail keeps these: metric-filter alarms (security-alarms) only fire on events a trail delivers
to their log group. A log group nothing delivers to holds 0 bytes and its alarms can never fire, so the
delivery is part of the trail's desired state, not an optional extra someone may forget.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from remediations._aws import error_code, or_absent, paginate, partitions
from remediations._s3 import normalize_policy
from soc2ctl.remediation import Change, HeldBack, ManagedElsewhere, TaskContext

CLOUDTRAIL = "cloudtrail.amazonaws.com"
POLICY_NAME = "soc2ctl-cloudtrail-to-cloudwatch-logs"
ROLE_SETTLE_ATTEMPTS = 6  # a new IAM role takes seconds to become assumable by CloudTrail


def log_group_arn(region: str, account_id: str, name: str) -> str:
    """The ARN CloudTrail expects (and describe_trails reports): the group's, with `:*`."""
    return partitions.arn(partitions.for_region(region), "logs", region, account_id, f"log-group:{name}:*")


def role_arn(ctx: TaskContext, role_name: str) -> str:
    return ctx.arn("iam", f"role/{role_name}", region="")


def trust_policy() -> dict[str, Any]:
    return normalize_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": CLOUDTRAIL}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def role_policy(region: str, account_id: str, log_group: str, partition: str | None = None) -> dict[str, Any]:
    """Create streams and put events in this one group; the organization trail writes one stream per
    account and region, all under the group. The deploy template builds the role from this too (with
    CloudFormation substitutions as the values: soc2ctl.policy.template_logs)."""
    group = f"log-group:{log_group}:log-stream:*"
    streams = partitions.arn(partition or partitions.for_region(region), "logs", region, account_id, group)
    return normalize_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": streams,
                }
            ],
        }
    )


def read_delivery(ctx: TaskContext, log_group: str, role_name: str) -> dict[str, Any]:
    logs = ctx.client("logs")
    groups = paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=log_group)
    iam = ctx.client("iam")
    role = or_absent(lambda: iam.get_role(RoleName=role_name), "NoSuchEntity")
    inline = or_absent(
        lambda: iam.get_role_policy(RoleName=role_name, PolicyName=POLICY_NAME), "NoSuchEntity"
    )
    return {
        "log_group": any(g["logGroupName"] == log_group for g in groups),
        "role_trust": normalize_policy(_as_dict(role["Role"]["AssumeRolePolicyDocument"])) if role else None,
        "role_policy": normalize_policy(_as_dict(inline["PolicyDocument"])) if inline else None,
    }


def desired_delivery(ctx: TaskContext, log_group: str) -> dict[str, Any]:
    return {
        "log_group": True,
        "role_trust": trust_policy(),
        "role_policy": role_policy(ctx.region, ctx.account_id, log_group),
    }


def ensure_delivery(
    ctx: TaskContext,
    log_group: str,
    role_name: str,
    retention_days: int,
    current: dict[str, Any],
    *,
    write_role: bool,
) -> None:
    """The log group, and (only when soc2ctl keeps the role: `write_role`) the role's trust and policy."""
    want = desired_delivery(ctx, log_group)
    if not current["log_group"]:
        logs = ctx.client("logs")
        logs.create_log_group(logGroupName=log_group)
        logs.put_retention_policy(logGroupName=log_group, retentionInDays=retention_days)
    if not write_role:
        return
    iam = ctx.client("iam")
    if current["role_trust"] is None:
        iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(want["role_trust"]),
            Description="soc2ctl: CloudTrail delivers the organization trail to CloudWatch Logs",
        )
    elif current["role_trust"] != want["role_trust"]:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(want["role_trust"]))
    if current["role_policy"] != want["role_policy"]:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(want["role_policy"])
        )


ROLE_KEYS = {("cloudwatch_logs", "role_trust"), ("cloudwatch_logs", "role_policy")}
TRAIL_KEYS = {("trail", "cloudwatch_logs_log_group_arn"), ("trail", "cloudwatch_logs_role_arn")}
HUMAN_STEP = (
    "Deploy (or update) the soc2ctl deploy template deploy/soc2ctl-roles.yaml as a stack in the management "
    "account, home region, with ManagementAccountId set to it: its CloudTrailDeliveryRole creates {role} "
    "(trusting cloudtrail.amazonaws.com, writing to the trail's log group only); soc2ctl then passes it to the "
    "trail. soc2ctl writes the role itself only with create_delivery_role: true."
)


def held_back(changes: list[Change], role_name: str) -> HeldBack | None:
    """A delivery role that is missing or differs, and the trail settings that must wait for it: what is
    left to the deploy template when soc2ctl does not write roles (`create_delivery_role: false`)."""
    if not any(c.keys[:2] in ROLE_KEYS for c in changes):  # a policy that differs in part: under its key
        return None
    note = ManagedElsewhere(
        by="the soc2ctl deploy template (deploy/soc2ctl-roles.yaml)",
        resources=(f"CloudTrailDeliveryRole: role {role_name}",),
        human_step=HUMAN_STEP.format(role=role_name),
    )
    return HeldBack(note, tuple(c for c in changes if c.keys[:2] in ROLE_KEYS | TRAIL_KEYS))


def role_ready(current: dict[str, Any], want: dict[str, Any]) -> bool:
    return current["role_trust"] == want["role_trust"] and current["role_policy"] == want["role_policy"]


def without_delivery(trail: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The trail's desired settings with CloudWatch Logs delivery left as it is (none for a new trail):
    CloudTrail refuses a role that does not exist or cannot write to the group."""
    kept = {k: (current or {}).get(k) for k in ("cloudwatch_logs_log_group_arn", "cloudwatch_logs_role_arn")}
    return {**trail, **kept}


def with_new_role(call: Any, *, new_role: bool, **kwargs: Any) -> Any:
    """CloudTrail refuses a role created seconds ago (IAM is eventually consistent): retry a bounded
    number of times, only then and only on that error."""
    for attempt in range(ROLE_SETTLE_ATTEMPTS if new_role else 1):
        try:
            return call(**kwargs)
        except ClientError as exc:
            settling = error_code(exc) == "InvalidCloudWatchLogsRoleArnException"
            if not (new_role and settling) or attempt == ROLE_SETTLE_ATTEMPTS - 1:
                raise
            time.sleep(2**attempt)
    return None


def _as_dict(document: Any) -> dict[str, Any]:
    """IAM returns policy documents decoded by boto3, or URL-encoded JSON text from some endpoints."""
    if isinstance(document, dict):
        return document
    from urllib.parse import unquote

    return json.loads(unquote(document))
