import pytest

from remediations.security_alarms import PATTERNS
from soc2ctl import registry
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "security-alarms"
GROUP = "/trail/logs"
PARAMS = {"log_group_name": GROUP}
NS = "SOC2/CloudTrailMetrics"


def feed_from_trail(account: str, endpoint: str | None = None, group: str = GROUP, log: bool = True) -> None:
    """A trail of `account` delivering to `group`: the precondition without which alarms cannot fire."""
    bucket = f"trail-{account}"  # made by the management account: moto resolves buckets across accounts
    member_client("s3", "123456789012", endpoint=endpoint).create_bucket(Bucket=bucket)
    cloudtrail = member_client("cloudtrail", account, endpoint=endpoint)
    cloudtrail.create_trail(
        Name="account-trail",
        S3BucketName=bucket,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{account}:log-group:{group}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/cloudtrail-to-logs",
    )
    if log:
        cloudtrail.start_logging(Name="account-trail")


@pytest.fixture(autouse=True)
def trails(request) -> None:
    if "org" in request.fixturenames and "no_trail" not in request.node.name:
        for account in request.getfixturevalue("org").values():
            feed_from_trail(account)


def topic_arn(account: str) -> str:
    return f"arn:aws:sns:us-east-1:{account}:soc2-security-alarms"


def alarm_state(account: str, name: str) -> dict:
    (alarm,) = member_client("cloudwatch", account).describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarm


def test_absent_everything_is_created(org):
    run = ModuleRun(MODULE, PARAMS, org["alpha"])
    planned = run.plan()
    assert planned.action == "create"
    paths = [c.path for c in planned.changes]
    assert paths[:2] == ["log_group", "topic"]
    assert sorted(paths[2:]) == sorted(
        [f"filters.soc2-{a}" for a in PATTERNS] + [f"alarms.soc2-{a}" for a in PATTERNS]
    )
    assert all(c.before is None for c in planned.changes)
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == (
        ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "sns:CreateTopic"]
        + ["logs:PutMetricFilter"] * len(PATTERNS)
        + ["cloudwatch:PutMetricAlarm"] * len(PATTERNS)
    )
    logs = member_client("logs", org["alpha"])
    (group,) = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    assert group["retentionInDays"] == 365
    filters = {f["filterName"]: f for f in logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"]}
    assert filters["soc2-root-usage"]["filterPattern"] == PATTERNS["root-usage"]
    assert filters["soc2-root-usage"]["metricTransformations"][0]["metricNamespace"] == NS
    alarm = alarm_state(org["alpha"], "soc2-console-signin-without-mfa")
    assert alarm["AlarmActions"] == [topic_arn(org["alpha"])]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["Statistic"]) == (
        "soc2-console-signin-without-mfa",
        1.0,
        "Sum",
    )
    assert member_client("sns", org["alpha"]).list_topics()["Topics"] == [
        {"TopicArn": topic_arn(org["alpha"])}
    ]


def test_compliant_is_noop(org):
    assert ModuleRun(MODULE, PARAMS, org["beta"]).apply().status == "changed"
    result = ModuleRun(MODULE, PARAMS, org["beta"]).plan()
    assert result.action == "no-op" and result.changes == []


def test_drifted_pattern_and_missing_action_are_exact_changes_and_other_actions_kept(org):
    account = org["gamma"]
    assert ModuleRun(MODULE, PARAMS, account).apply().status == "changed"
    logs, cloudwatch = member_client("logs", account), member_client("cloudwatch", account)
    logs.put_metric_filter(
        logGroupName=GROUP,
        filterName="soc2-root-usage",
        filterPattern='{ $.userIdentity.type = "Root" }',
        metricTransformations=[{"metricNamespace": NS, "metricName": "soc2-root-usage", "metricValue": "1"}],
    )
    pager = "arn:aws:sns:us-east-1:111111111111:pager"
    alarm = alarm_state(account, "soc2-iam-policy-changes")
    cloudwatch.put_metric_alarm(
        AlarmName=alarm["AlarmName"],
        Namespace=NS,
        MetricName=alarm["MetricName"],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[pager],
    )
    run = ModuleRun(MODULE, PARAMS, account)
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("filters.soc2-root-usage.pattern", '{ $.userIdentity.type = "Root" }', PATTERNS["root-usage"]),
        ("alarms.soc2-iam-policy-changes.alarm_actions", [pager], sorted([pager, topic_arn(account)])),
    ]
    assert write_calls(run.apply()) == ["logs:PutMetricFilter", "cloudwatch:PutMetricAlarm"]
    assert sorted(alarm_state(account, "soc2-iam-policy-changes")["AlarmActions"]) == sorted(
        [pager, topic_arn(account)]
    )
    (root,) = logs.describe_metric_filters(logGroupName=GROUP, filterNamePrefix="soc2-root-usage")[
        "metricFilters"
    ]
    assert root["filterPattern"] == PATTERNS["root-usage"]


def test_existing_log_group_is_not_recreated_and_subset_of_alarms(org):
    member_client("logs", org["alpha"]).create_log_group(logGroupName=GROUP)
    run = ModuleRun(MODULE, {**PARAMS, "alarms": ["root-usage"]}, org["alpha"])
    assert [c.path for c in run.plan().changes] == [
        "topic",
        "filters.soc2-root-usage",
        "alarms.soc2-root-usage",
    ]
    assert write_calls(run.apply()) == [
        "sns:CreateTopic",
        "logs:PutMetricFilter",
        "cloudwatch:PutMetricAlarm",
    ]


def test_only_in_the_home_region():
    assert registry.get(MODULE).home_region_only


def test_moto_metric_filters_overwrite_by_name_and_need_the_log_group(org):
    logs = member_client("logs", org["alpha"])
    transform = [{"metricNamespace": NS, "metricName": "m", "metricValue": "1"}]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_metric_filter(
            logGroupName=GROUP, filterName="f", filterPattern="x", metricTransformations=transform
        )
    logs.create_log_group(logGroupName=GROUP)
    for pattern in ("x", "y"):
        logs.put_metric_filter(
            logGroupName=GROUP, filterName="f", filterPattern=pattern, metricTransformations=transform
        )
    assert [
        f["filterPattern"] for f in logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"]
    ] == ["y"]


def test_alarms_no_trail_feeds_are_out_of_state_with_the_reason(org):
    """Prowler counts only filters on a log group a trail delivers to: so does the control."""
    run = ModuleRun(MODULE, PARAMS, org["alpha"])
    planned = run.plan()
    assert planned.action == "error"
    assert f"no CloudTrail trail delivers to log group {GROUP}" in planned.error
    assert run.apply().status == "failed"
    feed_from_trail(org["alpha"], log=False)
    stopped = run.plan()
    assert "trail account-trail delivers to /trail/logs but is not logging" in stopped.error
    member_client("cloudtrail", org["alpha"]).start_logging(Name="account-trail")
    assert run.plan().action == "create"
