"""The deploy template's log-archive and management-account resources: what soc2ctl's run-time roles never write.

A role that may write a bucket policy can give itself the audit logs; one that may write an IAM role's trust
or inline policy next to `sts:AssumeRole` can give itself a role with more rights. So, by default, soc2ctl's
roles do neither: the log buckets (with their bucket policies) and org-cloudtrail's CloudWatch Logs delivery
role are created once, by whoever deploys this template with administrator rights (the way Control Tower and
Landing Zone Accelerator provision the log archive), and every soc2ctl run checks them.

One source of truth: the documents come from the same functions the modules compare against
(`central_log_buckets.bucket_policy`, `_trail_logs.trust_policy` / `role_policy`), called with CloudFormation
substitutions (`${AWS::AccountId}`, `${OrganizationId}`, ...) as the values; so a template deployed as
generated is what the modules find in state. The controls' parameters are rendered from the playbook with
the account-dependent built-in variables mapped to the stack's own values (the log buckets are named after
the account the stack runs in, `log_archive_account_id`). Each resource is created only in its account:
CloudFormation Conditions on the `LogArchiveAccountId` and `ManagementAccountId` parameters (empty: none).
"""

from __future__ import annotations

from typing import Any

from remediations import _trail_logs as cwl
from remediations._s3 import BLOCK_FIELDS, PUBLIC_ACCESS_BLOCK
from remediations.central_log_buckets import (
    ENCRYPTION,
    CentralLogBucketsParams,
    LogBucket,
    bucket_policy,
    template_ids,
    trail_arn,
)
from remediations.org_cloudtrail import OrgCloudTrailParams
from soc2ctl.config.playbook import load_playbook
from soc2ctl.config.templating import TemplateProblem, render
from soc2ctl.errors import UserError

PARTITION = "${AWS::Partition}"
IN_LOG_ARCHIVE = "InLogArchiveAccount"
IN_MANAGEMENT = "InManagementAccount"
# The built-in variables a log control's parameters may use, as the stack that creates the resources sees
# them: the log archive stack names its buckets after its own account; the trail is the management account's.
STACK_VARIABLES = {
    "account_id": "${AWS::AccountId}",
    "log_archive_account_id": "${AWS::AccountId}",
    "management_account_id": "${ManagementAccountId}",
    "region": "${AWS::Region}",
    "home_region": "${AWS::Region}",
    "partition": PARTITION,
}
_OPT_INS = {"central-log-buckets": "manage_bucket_policies", "org-cloudtrail": "create_delivery_role"}


def parameters() -> dict[str, Any]:
    account = {"Type": "String", "Default": "", "AllowedPattern": r"^(\d{12})?$"}
    return {
        "ManagementAccountId": {
            **account,
            "Description": "The management account: its stack (deployed in the home region) also creates "
            "org-cloudtrail's CloudWatch Logs delivery role. Empty: no delivery role.",
        },
        "LogArchiveAccountId": {
            **account,
            "Description": "The log archive account: its stack (deployed in the home region) also creates the "
            "central log buckets with their bucket policies. Empty: no log buckets.",
        },
        "OrganizationId": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": r"^(o-[a-z0-9]{10,32})?$",
            "Description": "The organization id the log buckets admit deliveries from (aws:SourceOrgID).",
        },
    }


def conditions() -> dict[str, Any]:
    here = {"Ref": "AWS::AccountId"}
    return {
        IN_LOG_ARCHIVE: {"Fn::Equals": [here, {"Ref": "LogArchiveAccountId"}]},
        IN_MANAGEMENT: {"Fn::Equals": [here, {"Ref": "ManagementAccountId"}]},
    }


def log_resources(playbook_path: Any, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The resources for the playbook's central-log-buckets and org-cloudtrail controls (none without them)."""
    resources: dict[str, Any] = {}
    for control, desired in _log_controls(playbook_path, variables):
        if control == "central-log-buckets":
            resources.update(bucket_resources(desired))
        elif desired.get("cloudwatch_logs_log_group"):
            resources.update(delivery_role_resources(desired))
    return resources


def _log_controls(playbook_path: Any, variables: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    pb = load_playbook(playbook_path)
    found = []
    for index, control in enumerate(pb.spec.controls):
        if control.remediation not in _OPT_INS:
            continue
        merged = pb.control_vars(index, {**(variables or {}), **STACK_VARIABLES})
        try:
            found.append((control.remediation, render(control.desired, merged)))
        except TemplateProblem as exc:
            raise UserError(f"control {control.id!r}: {exc}") from None
    return found


def bucket_resources(desired: dict[str, Any]) -> dict[str, Any]:
    """Each log bucket with the settings central-log-buckets keeps, and its policy."""
    buckets = [LogBucket.model_construct(**{"prefix": None, **b}) for b in desired.get("buckets") or []]
    trail_name = desired.get("cloudtrail_trail_name") or _default(
        CentralLogBucketsParams, "cloudtrail_trail_name"
    )
    trail = trail_arn(PARTITION, "${AWS::Region}", "${ManagementAccountId}", trail_name)
    retained = {"Condition": IN_LOG_ARCHIVE, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    resources: dict[str, Any] = {}
    ids = template_ids(buckets)
    for bucket in buckets:
        stem = ids[bucket.name]
        encryption = {"ServerSideEncryptionByDefault": {"SSEAlgorithm": ENCRYPTION}}
        resources[f"LogBucket{stem}"] = {
            "Type": "AWS::S3::Bucket",
            **retained,
            "Properties": {
                "BucketName": bucket.name,
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [encryption]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": BLOCK_FIELDS.to_aws(PUBLIC_ACCESS_BLOCK),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "Tags": [{"Key": "managed-by", "Value": "soc2ctl"}],
            },
        }
        resources[f"LogBucketPolicy{stem}"] = {
            "Type": "AWS::S3::BucketPolicy",
            **retained,
            "Properties": {
                "Bucket": {"Ref": f"LogBucket{stem}"},
                "PolicyDocument": bucket_policy(bucket, trail, "${OrganizationId}", PARTITION),
            },
        }
    return resources


def delivery_role_resources(desired: dict[str, Any]) -> dict[str, Any]:
    """The role CloudTrail assumes to deliver the organization trail to its log group (management account)."""
    name = desired.get("cloudwatch_logs_role_name") or _default(
        OrgCloudTrailParams, "cloudwatch_logs_role_name"
    )
    group = desired["cloudwatch_logs_log_group"]
    permissions = cwl.role_policy("${AWS::Region}", "${AWS::AccountId}", group, partition=PARTITION)
    return {
        "CloudTrailDeliveryRole": {
            "Type": "AWS::IAM::Role",
            "Condition": IN_MANAGEMENT,
            "Properties": {
                "RoleName": name,
                "Description": "soc2ctl: CloudTrail delivers the organization trail to CloudWatch Logs",
                "AssumeRolePolicyDocument": cwl.trust_policy(),
                "Policies": [{"PolicyName": cwl.POLICY_NAME, "PolicyDocument": permissions}],
                "Tags": [{"Key": "managed-by", "Value": "soc2ctl"}],
            },
        }
    }


def _default(model: Any, field: str) -> Any:
    return model.model_fields[field].default
