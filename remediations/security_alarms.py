"""CloudWatch alarms on the CloudTrail log group notify an SNS topic of security-relevant API activity."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from remediations import _preconditions as pre
from remediations._aws import paginate
from soc2ctl.remediation import (
    Params,
    PlannedChange,
    Remediation,
    Requirement,
    Scope,
    Target,
    TaskContext,
    same,
)

# CIS AWS Foundations Benchmark (section 4 / Security Hub CloudWatch.1-14) metric filter patterns; the
# Organizations one lists CIS v3.0's events (CancelHandshake, CreateOrganization, EnableAllFeatures too),
# which Prowler requires.
PATTERNS: dict[str, str] = {
    "root-usage": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }'
    ),
    "unauthorized-api-calls": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "console-signin-without-mfa": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") '
        '&& ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
    ),
    "iam-policy-changes": (
        "{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy)"
        " || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy)"
        " || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion)"
        " || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy)"
        " || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy)"
        " || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy)"
        " || ($.eventName = DetachGroupPolicy) }"
    ),
    "cloudtrail-changes": (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail)"
        " || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
    ),
    "config-changes": (
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder)"
        " || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel)"
        " || ($.eventName = PutConfigurationRecorder)) }"
    ),
    "organizations-changes": (
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake")'
        ' || ($.eventName = "AttachPolicy") || ($.eventName = "CancelHandshake")'
        ' || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganization")'
        ' || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy")'
        ' || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization")'
        ' || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy")'
        ' || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType")'
        ' || ($.eventName = "EnableAllFeatures")'
        ' || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization")'
        ' || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount")'
        ' || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy")'
        ' || ($.eventName = "UpdateOrganizationalUnit")) }'
    ),
    "authentication-failures": (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
    ),
    "kms-key-disable-or-deletion": (
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey)"
        " || ($.eventName = ScheduleKeyDeletion)) }"
    ),
    "s3-bucket-policy-changes": (
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl)"
        " || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors)"
        " || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication)"
        " || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors)"
        " || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
    ),
    "security-group-changes": (
        "{ ($.eventName = AuthorizeSecurityGroupIngress)"
        " || ($.eventName = AuthorizeSecurityGroupEgress)"
        " || ($.eventName = RevokeSecurityGroupIngress)"
        " || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup)"
        " || ($.eventName = DeleteSecurityGroup) }"
    ),
    "network-acl-changes": (
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry)"
        " || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry)"
        " || ($.eventName = ReplaceNetworkAclEntry)"
        " || ($.eventName = ReplaceNetworkAclAssociation) }"
    ),
    "network-gateway-changes": (
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway)"
        " || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway)"
        " || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
    ),
    "route-table-changes": (
        "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute)"
        " || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute)"
        " || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable)"
        " || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"
    ),
    "vpc-changes": (
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc)"
        " || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection)"
        " || ($.eventName = CreateVpcPeeringConnection)"
        " || ($.eventName = DeleteVpcPeeringConnection)"
        " || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc)"
        " || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink)"
        " || ($.eventName = EnableVpcClassicLink) }"
    ),
}
AlarmName = Literal[
    "root-usage",
    "unauthorized-api-calls",
    "console-signin-without-mfa",
    "iam-policy-changes",
    "cloudtrail-changes",
    "config-changes",
    "organizations-changes",
    "authentication-failures",
    "kms-key-disable-or-deletion",
    "s3-bucket-policy-changes",
    "security-group-changes",
    "network-acl-changes",
    "network-gateway-changes",
    "route-table-changes",
    "vpc-changes",
]


class SecurityAlarmsParams(Params):
    log_group_name: str  # the CloudTrail trail's CloudWatch Logs group
    topic_name: str = "soc2-security-alarms"
    alarms: list[AlarmName] = Field(default_factory=lambda: list(PATTERNS))
    name_prefix: str = Field(
        "soc2-", pattern=r"^[A-Za-z0-9_-]*$"
    )  # filters, metrics and alarms: <prefix><alarm>
    metric_namespace: str = "SOC2/CloudTrailMetrics"
    period_seconds: int = 300
    log_group_retention_days: int = 365  # only when this control has to create the log group


def summarise_filter(found: dict[str, Any]) -> dict[str, Any]:
    metric = (found.get("metricTransformations") or [{}])[0]
    return {
        "pattern": found.get("filterPattern"),
        "metric": {
            "namespace": metric.get("metricNamespace"),
            "name": metric.get("metricName"),
            "value": metric.get("metricValue"),
        },
    }


def summarise_alarm(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "metric": {"namespace": found.get("Namespace"), "name": found.get("MetricName")},
        "statistic": found.get("Statistic"),
        "period": found.get("Period"),
        "evaluation_periods": found.get("EvaluationPeriods"),
        "threshold": found.get("Threshold"),
        "comparison": found.get("ComparisonOperator"),
        "treat_missing_data": found.get("TreatMissingData"),
        "actions_enabled": found.get("ActionsEnabled"),
        "alarm_actions": sorted(found.get("AlarmActions", [])),
    }


class SecurityAlarms(Remediation[SecurityAlarmsParams]):
    """Security-relevant API activity (root use, denied calls, console sign-in without MFA or failing, IAM,
    CloudTrail, Config, Organizations, KMS key, S3 bucket policy, security group, NACL, gateway, route table
    and VPC changes) raises a CloudWatch alarm that notifies an SNS topic (CIS section 4, all of it).

    Runs in the home region, where the trail delivers to CloudWatch Logs. Filters and alarms are named
    `<prefix><alarm>` and overwritten in place when they drift; other actions on an alarm are kept. A missing
    log group is created (with `log_group_retention_days`), so the alarms exist before the trail delivers;
    a missing topic is created (subscribing people to it is left to its owner)."""

    name = "security-alarms"
    scope = Scope.REGION
    risk = "low"  # adds metric filters and alarms
    home_region_only = True
    criteria = ("CC2.1", "CC7.2", "CC7.3")
    prowler_checks = (
        "cloudwatch_log_metric_filter_root_usage",
        "cloudwatch_log_metric_filter_unauthorized_api_calls",
        "cloudwatch_log_metric_filter_sign_in_without_mfa",
        "cloudwatch_log_metric_filter_policy_changes",
        "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
        "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
        "cloudwatch_log_metric_filter_aws_organizations_changes",
        "cloudwatch_log_metric_filter_authentication_failures",
        "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
        "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
        "cloudwatch_log_metric_filter_security_group_changes",
        "cloudwatch_changes_to_network_acls_alarm_configured",
        "cloudwatch_changes_to_network_gateways_alarm_configured",
        "cloudwatch_changes_to_network_route_tables_alarm_configured",
        "cloudwatch_changes_to_vpcs_alarm_configured",
    )
    securityhub_controls = (
        "CloudWatch.1",
        "CloudWatch.2",
        "CloudWatch.3",
        "CloudWatch.4",
        "CloudWatch.5",
        "CloudWatch.6",
        "CloudWatch.7",
        "CloudWatch.8",
        "CloudWatch.9",
        "CloudWatch.10",
        "CloudWatch.11",
        "CloudWatch.12",
        "CloudWatch.13",
        "CloudWatch.14",
    )
    read_actions = (
        "logs:DescribeLogGroups",
        "logs:DescribeMetricFilters",
        "cloudwatch:DescribeAlarms",
        "sns:ListTopics",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
    )
    write_actions = (
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:PutMetricFilter",
        "cloudwatch:PutMetricAlarm",
        "sns:CreateTopic",
    )

    def requires(self, target: Target, params: SecurityAlarmsParams) -> list[Requirement]:
        """Alarms on a log group no trail delivers to never fire: that trail is part of this control."""
        return [pre.log_group_fed_by_trail(target.account_id, target.region, params.log_group_name)]

    def read(self, ctx: TaskContext, params: SecurityAlarmsParams) -> dict[str, Any]:
        logs = ctx.client("logs")
        name = params.log_group_name
        groups = paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
        exists = any(g["logGroupName"] == name for g in groups)
        filters = (
            paginate(logs, "describe_metric_filters", "metricFilters", logGroupName=name) if exists else []
        )
        alarms = paginate(
            ctx.client("cloudwatch"), "describe_alarms", "MetricAlarms", AlarmNamePrefix=params.name_prefix
        )
        topic = ctx.arn("sns", params.topic_name)
        topics = {t["TopicArn"] for t in paginate(ctx.client("sns"), "list_topics", "Topics")}
        return {
            "log_group": name if exists else None,
            "topic": topic if topic in topics else None,
            "filters": {f["filterName"]: summarise_filter(f) for f in filters},
            "alarms": {a["AlarmName"]: summarise_alarm(a) for a in alarms},
        }

    def desired(self, ctx: TaskContext, params: SecurityAlarmsParams, observed: Any) -> dict[str, Any]:
        topic = ctx.arn("sns", params.topic_name)
        names = [params.name_prefix + alarm for alarm in params.alarms]
        return {
            "log_group": params.log_group_name,
            "topic": topic,
            "filters": {n: self._filter(params, n, a) for n, a in zip(names, params.alarms, strict=True)},
            "alarms": {n: self._alarm(params, n, topic, observed["alarms"].get(n)) for n in names},
        }

    @staticmethod
    def _filter(params: SecurityAlarmsParams, name: str, alarm: str) -> dict[str, Any]:
        metric = {"namespace": params.metric_namespace, "name": name, "value": "1"}
        return {"pattern": PATTERNS[alarm], "metric": metric}

    @staticmethod
    def _alarm(
        params: SecurityAlarmsParams, name: str, topic: str, have: dict[str, Any] | None
    ) -> dict[str, Any]:
        """One event in a period alarms; actions others added to the alarm are kept, the topic is added."""
        return {
            "metric": {"namespace": params.metric_namespace, "name": name},
            "statistic": "Sum",
            "period": params.period_seconds,
            "evaluation_periods": 1,
            "threshold": 1.0,
            "comparison": "GreaterThanOrEqualToThreshold",
            "treat_missing_data": "notBreaching",
            "actions_enabled": True,
            "alarm_actions": sorted({*(have or {}).get("alarm_actions", []), topic}),
        }

    def apply(self, ctx: TaskContext, change: PlannedChange[SecurityAlarmsParams]) -> None:
        """Log group and topic first: a metric filter needs its group, an alarm action its topic."""
        params, observed, want = change.params, change.observed, change.desired
        if observed["log_group"] is None:
            logs = ctx.client("logs")
            logs.create_log_group(logGroupName=params.log_group_name)
            logs.put_retention_policy(
                logGroupName=params.log_group_name, retentionInDays=params.log_group_retention_days
            )
        if observed["topic"] is None:
            ctx.client("sns").create_topic(Name=params.topic_name)
        for name, wanted in want["filters"].items():
            if not same(observed["filters"].get(name), wanted):
                self._put_filter(ctx, params, name, wanted)
        for name, wanted in want["alarms"].items():
            if not same(observed["alarms"].get(name), wanted):
                self._put_alarm(ctx, name, wanted)

    @staticmethod
    def _put_filter(
        ctx: TaskContext, params: SecurityAlarmsParams, name: str, wanted: dict[str, Any]
    ) -> None:
        metric = wanted["metric"]
        ctx.client("logs").put_metric_filter(
            logGroupName=params.log_group_name,
            filterName=name,
            filterPattern=wanted["pattern"],
            metricTransformations=[
                {
                    "metricNamespace": metric["namespace"],
                    "metricName": metric["name"],
                    "metricValue": metric["value"],
                }
            ],
        )

    @staticmethod
    def _put_alarm(ctx: TaskContext, name: str, wanted: dict[str, Any]) -> None:
        ctx.client("cloudwatch").put_metric_alarm(
            AlarmName=name,
            AlarmDescription=f"soc2ctl security-alarms: {name} (CloudTrail metric filter)",
            Namespace=wanted["metric"]["namespace"],
            MetricName=wanted["metric"]["name"],
            Statistic=wanted["statistic"],
            Period=wanted["period"],
            EvaluationPeriods=wanted["evaluation_periods"],
            Threshold=wanted["threshold"],
            ComparisonOperator=wanted["comparison"],
            TreatMissingData=wanted["treat_missing_data"],
            ActionsEnabled=wanted["actions_enabled"],
            AlarmActions=wanted["alarm_actions"],
        )
