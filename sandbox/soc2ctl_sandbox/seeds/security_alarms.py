from typing import Any

from remediations.security_alarms import PATTERNS
from soc2ctl_sandbox.data_seeds import encrypted_logs
from soc2ctl_sandbox.seed import REGIONS, SeedContext

SCOPE = "region"

# The playbook's defaults (vars `cloudtrail_log_group`, `security_alarms_topic`).
LOG_GROUP = "/soc2/cloudtrail"
TOPIC = "soc2-security-alarms"
NAMESPACE = "SOC2/CloudTrailMetrics"


def seed(ctx: SeedContext) -> None:
    """Home region only (the control's scope). compliant: the log group, topic, the seven CIS filters and
    alarms; drifted: the same, but the root-usage filter is missing and the unauthorized-api-calls alarm
    notifies nobody; fresh: nothing."""
    if ctx.posture == "fresh" or ctx.region != REGIONS[0]:
        return
    logs, cloudwatch = ctx.client("logs"), ctx.client("cloudwatch")
    logs.create_log_group(logGroupName=LOG_GROUP, **encrypted_logs(ctx))
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=365)
    encrypted = {"Attributes": {"KmsMasterKeyId": "alias/soc2-alarms"}} if ctx.posture == "compliant" else {}
    topic = ctx.client("sns").create_topic(Name=TOPIC, **encrypted)["TopicArn"]  # sns-topic-encryption
    for alarm, pattern in PATTERNS.items():
        name = f"soc2-{alarm}"
        if not (ctx.posture == "drifted" and alarm == "root-usage"):
            logs.put_metric_filter(
                logGroupName=LOG_GROUP,
                filterName=name,
                filterPattern=pattern,
                metricTransformations=[
                    {"metricNamespace": NAMESPACE, "metricName": name, "metricValue": "1"}
                ],
            )
        silent = ctx.posture == "drifted" and alarm == "unauthorized-api-calls"
        cloudwatch.put_metric_alarm(**_alarm(name, [] if silent else [topic]))


def _alarm(name: str, actions: list[str]) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "Namespace": NAMESPACE,
        "MetricName": name,
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "ActionsEnabled": True,
        "AlarmActions": actions,
    }
