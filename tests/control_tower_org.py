"""A moto organization with an AWS Control Tower landing zone, as Control Tower leaves it (landing zone 3.x):

- management account: trusted access for CloudTrail and Control Tower; the organization trail
  `aws-controltower-BaselineCloudTrail` (multi-region, global events, validated, KMS, logging, delivering to
  `aws-controltower/CloudTrailLogs`); the StackSets `AWSControlTowerBP-*`; its `aws-controltower-*` roles;
  a guardrail SCP `aws-guardrails-*` attached to the workloads OU;
- every member: the `AWSControlTowerExecution` role, and in every region the recorder
  `aws-controltower-BaselineConfigRecorder` and channel `aws-controltower-BaselineConfigDeliveryChannel`,
  recording, delivering to Control Tower's bucket.

`snapshot()` reads every one of those resources back, so a test can prove none of them changed.
"""

from __future__ import annotations

import json
from typing import Any

from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import member_client

TRAIL = "aws-controltower-BaselineCloudTrail"
RECORDER = "aws-controltower-BaselineConfigRecorder"
CHANNEL = "aws-controltower-BaselineConfigDeliveryChannel"
LOG_GROUP = "aws-controltower/CloudTrailLogs"
EXECUTION_ROLE = "AWSControlTowerExecution"
GUARDRAIL_SCP = "aws-guardrails-AbCdEf"
STACK_SETS = ("AWSControlTowerBP-BASELINE-CLOUDTRAIL", "AWSControlTowerBP-BASELINE-CONFIG")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
# The shape of Control Tower's mandatory guardrails: its own resources are off limits to everyone but its
# execution role (Resource scoped to aws-controltower-* names, so soc2ctl's own are not denied).
GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "GRCLOUDTRAILENABLED",
            "Effect": "Deny",
            "Action": ["cloudtrail:DeleteTrail", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail"],
            "Resource": ["arn:aws:cloudtrail:*:*:trail/aws-controltower-*"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/AWSControlTowerExecution"}},
        },
        {
            "Sid": "GRIAMROLEPOLICY",
            "Effect": "Deny",
            "Action": ["iam:DeleteRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"],
            "Resource": ["arn:aws:iam::*:role/aws-controltower-*"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/AWSControlTowerExecution"}},
        },
    ],
}


def logs_bucket(log_archive: str, region: str = "us-east-1") -> str:
    return f"aws-controltower-logs-{log_archive}-{region}"


def seed_landing_zone(members: dict[str, str], regions: list[str], *, log_archive: str) -> None:
    """Control Tower's resources in the management account and in every member (see module docstring)."""
    org = member_client("organizations", MANAGEMENT_ACCOUNT)
    for service in ("cloudtrail.amazonaws.com", "controltower.amazonaws.com", "config.amazonaws.com"):
        org.enable_aws_service_access(ServicePrincipal=service)
    bucket = logs_bucket(log_archive)
    member_client("s3", MANAGEMENT_ACCOUNT).create_bucket(Bucket=bucket)
    _seed_trail(bucket)
    _seed_guardrail(org)
    cfn = member_client("cloudformation", MANAGEMENT_ACCOUNT)
    for name in STACK_SETS:
        cfn.create_stack_set(StackSetName=name, TemplateBody=json.dumps({"Resources": {}}))
    iam = member_client("iam", MANAGEMENT_ACCOUNT)
    for role in ("aws-controltower-AdministratorExecutionRole", "aws-controltower-CloudWatchLogsRole"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    for account in members.values():
        member_client("iam", account).create_role(
            RoleName=EXECUTION_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST)
        )
        member_client("iam", account).create_role(
            RoleName="aws-controltower-ConfigRecorderRole", AssumeRolePolicyDocument=json.dumps(TRUST)
        )
        for region in regions:
            seed_recorder(account, region, bucket)


def _seed_trail(bucket: str) -> None:
    kms = member_client("kms", MANAGEMENT_ACCOUNT)
    key = kms.create_key(Description="Control Tower trail key (customer-provided)")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    logs = member_client("logs", MANAGEMENT_ACCOUNT)
    logs.create_log_group(logGroupName=LOG_GROUP)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0]["arn"]
    role = f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/aws-controltower-CloudWatchLogsRole"
    cloudtrail = member_client("cloudtrail", MANAGEMENT_ACCOUNT)
    cloudtrail.create_trail(
        Name=TRAIL,
        S3BucketName=bucket,
        IsOrganizationTrail=True,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key["Arn"],
        CloudWatchLogsLogGroupArn=group_arn if group_arn.endswith(":*") else group_arn + ":*",
        CloudWatchLogsRoleArn=role,
    )
    cloudtrail.start_logging(Name=TRAIL)


def _seed_guardrail(org: Any) -> None:
    root = org.list_roots()["Roots"][0]["Id"]
    ous = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    policy = org.create_policy(
        Name=GUARDRAIL_SCP,
        Description="AWS Control Tower guardrails",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(GUARDRAIL),
    )["Policy"]["PolicySummary"]["Id"]
    for ou in ous:
        org.attach_policy(PolicyId=policy, TargetId=ou["Id"])


def seed_recorder(account: str, region: str, bucket: str, *, recording: bool = True) -> None:
    config = member_client("config", account, region)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": RECORDER,
            "roleARN": f"arn:aws:iam::{account}:role/aws-controltower-ConfigRecorderRole",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == "us-east-1"},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": CHANNEL, "s3BucketName": bucket, "s3KeyPrefix": "o-example"}
    )
    if recording:
        config.start_configuration_recorder(ConfigurationRecorderName=RECORDER)


def snapshot(members: dict[str, str], regions: list[str]) -> dict[str, Any]:
    """Every Control Tower resource as AWS reports it: equal snapshots mean nothing of it changed."""
    cloudtrail = member_client("cloudtrail", MANAGEMENT_ACCOUNT)
    org = member_client("organizations", MANAGEMENT_ACCOUNT)
    policies = org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    guardrail = next(p for p in policies if p["Name"] == GUARDRAIL_SCP)
    cfn = member_client("cloudformation", MANAGEMENT_ACCOUNT)
    state: dict[str, Any] = {
        "trails": cloudtrail.describe_trails(includeShadowTrails=True)["trailList"],
        "trail_logging": cloudtrail.get_trail_status(Name=TRAIL)["IsLogging"],
        "scp": org.describe_policy(PolicyId=guardrail["Id"])["Policy"]["Content"],
        "scp_targets": sorted(
            t["TargetId"] for t in org.list_targets_for_policy(PolicyId=guardrail["Id"])["Targets"]
        ),
        "stack_sets": sorted((s["StackSetName"], s["Status"]) for s in cfn.list_stack_sets()["Summaries"]),
        "roles": {},
        "config": {},
    }
    for account in [MANAGEMENT_ACCOUNT, *members.values()]:
        iam = member_client("iam", account)
        for role in iam.list_roles()["Roles"]:
            if role["RoleName"].startswith(("aws-controltower-", "AWSControlTower")):
                name = role["RoleName"]
                state["roles"][f"{account}/{name}"] = {
                    "trust": role["AssumeRolePolicyDocument"],
                    "inline": iam.list_role_policies(RoleName=name)["PolicyNames"],
                    "attached": iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
                }
        for region in regions if account != MANAGEMENT_ACCOUNT else ():  # Control Tower records members
            config = member_client("config", account, region)
            state["config"][f"{account}/{region}"] = {
                "recorders": config.describe_configuration_recorders()["ConfigurationRecorders"],
                "channels": config.describe_delivery_channels()["DeliveryChannels"],
                "status": [
                    (s["name"], s.get("recording"))
                    for s in config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
                ],
            }
    return json.loads(json.dumps(state, default=str))
