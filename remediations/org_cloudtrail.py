"""An organization trail logs every account and region to a locked-down, CloudTrail-only bucket.

The trail lives in the management account, home region: organization-wide, multi-region, with global service
events, log file validation (integrity digests), KMS encryption and logging on. Its bucket (in the management
account) admits only CloudTrail, for this trail (`aws:SourceArn`), and only over TLS; all four Block Public
Access flags are on. The policy is compared semantically (statement order, Sids, one-item lists ignored).
Bucket default encryption is not managed: CloudTrail encrypts each log file with the trail's KMS key itself.
AWS Control Tower's trail, if any, is held to the same settings but never changed or doubled (_control_tower).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from remediations import _control_tower as ct
from remediations import _preconditions as pre
from remediations import _trail_events as events
from remediations import _trail_logs as cwl
from remediations._aws import create_aliased_key, kms_arn, or_absent, paginate
from remediations._log_policies import cloudtrail_bucket_policy as bucket_policy
from remediations._log_policies import trail_key_policy
from remediations._s3 import PUBLIC_ACCESS_BLOCK, ensure_bucket, normalize_policy, read_bucket
from soc2ctl.remediation import (
    HeldBack,
    ManagedElsewhere,
    Params,
    PlannedChange,
    Remediation,
    Requirement,
    Resource,
    Scope,
    Target,
    TaskContext,
    UnsafeChange,
)

CLOUDTRAIL = "cloudtrail.amazonaws.com"


class OrgCloudTrailParams(Params):
    trail_name: str = Field(default="soc2ctl-organization-trail", min_length=3, max_length=128)
    bucket_name: str | None = Field(
        default=None,
        min_length=3,
        max_length=63,
        description="Log bucket in the management account; null: soc2ctl-cloudtrail-<management account id>.",
    )
    s3_key_prefix: str | None = None
    kms_key_id: str = Field(
        default="alias/soc2ctl-cloudtrail", description="Key id, ARN, alias name or alias ARN (home region)."
    )
    create_kms_key: bool = Field(
        default=True, description="Create the key and alias when kms_key_id is an alias that does not exist."
    )
    manage_bucket: bool = Field(
        default=True,
        description="Create and keep the bucket here; false: another control (central-log-buckets) keeps it "
        "and this one requires it to exist.",
    )
    cloudwatch_logs_log_group: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Deliver the trail to this CloudWatch Logs group too (management account, home region), "
        "where metric-filter alarms can see it; created with its delivery role. null: S3 only.",
    )
    cloudwatch_logs_role_name: str = Field(
        default="soc2ctl-cloudtrail-to-cloudwatch-logs",
        pattern=r"^soc2ctl-[\w+=,.@-]{1,56}$",
        description="The delivery role; soc2ctl's execution role may create and change soc2ctl-* roles only.",
    )
    cloudwatch_logs_retention_days: int = Field(default=365, description="Only when the group is created.")
    create_delivery_role: bool = Field(
        default=False,
        description="Create the delivery role and write its trust and permissions (iam:CreateRole, "
        "iam:PutRolePolicy, iam:UpdateAssumeRolePolicy). false: the deploy template provisions it; soc2ctl "
        "only passes it to CloudTrail and reports a missing or different role with the step to take.",
    )
    s3_data_events: events.S3Events | None = Field(
        default=None, description="Log S3 object reads, writes or all in every bucket; null: unmanaged."
    )


class OrgCloudTrail(Remediation[OrgCloudTrailParams]):
    """An organization-wide, multi-region, validated, KMS-encrypted trail logging to a CloudTrail-only bucket."""

    name = "org-cloudtrail"
    scope = Scope.ORG
    # changing the organization trail, its bucket or key can stop audit logging in every account
    risk = "high"
    criteria = ("CC2.1", "CC4.1", "CC7.2", "CC8.1", "PI1.4")
    prowler_checks = (
        "cloudtrail_multi_region_enabled",
        "cloudtrail_multi_region_enabled_logging_management_events",
        "cloudtrail_log_file_validation_enabled",
        "cloudtrail_kms_encryption_enabled",
        "cloudtrail_cloudwatch_logging_enabled",
        "cloudtrail_s3_dataevents_read_enabled",  # with s3_data_events: read or all
        "cloudtrail_s3_dataevents_write_enabled",  # with s3_data_events: write or all
    )
    config_rules = (
        "multi-region-cloudtrail-enabled",
        "cloud-trail-log-file-validation-enabled",
        "cloud-trail-encryption-enabled",
        "cloud-trail-cloud-watch-logs-enabled",
        "cloudtrail-s3-dataevents-enabled",  # these three with s3_data_events
        "cloudtrail-all-write-s3-data-event-check",
        "cloudtrail-all-read-s3-data-event-check",
    )
    securityhub_controls = ("CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5", "S3.22", "S3.23")
    read_actions = (
        "cloudtrail:GetEventSelectors",
        "organizations:DescribeOrganization",
        "organizations:ListAWSServiceAccessForOrganization",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "kms:DescribeKey",
        "kms:ListKeys",
        "kms:ListResourceTags",
        "s3:ListBucket",  # HeadBucket
        "s3:GetBucketPolicy",
        "s3:GetBucketPublicAccessBlock",  # GetPublicAccessBlock on a bucket
        "logs:DescribeLogGroups",
        "iam:GetRolePolicy",
        "cloudtrail:ListTags",  # recognising Control Tower's trail by its tags
        "cloudformation:ListStackSets",  # and its landing zone by its StackSets
    )
    write_actions = (
        "cloudtrail:PutEventSelectors",
        "organizations:EnableAWSServiceAccess",
        "kms:CreateKey",
        "kms:TagResource",
        "kms:CreateAlias",
        "kms:EnableKeyRotation",
        "s3:CreateBucket",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",  # PutPublicAccessBlock on a bucket
        "cloudtrail:CreateTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:StartLogging",
        # CloudTrail checks the caller may do these when it creates or updates an organization trail:
        "iam:CreateServiceLinkedRole",
        "iam:GetRole",
        "organizations:ListAccounts",
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "iam:CreateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:PassRole",
    )
    conditional_writes = {
        "manage_bucket": ("s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock"),
        "create_kms_key": ("kms:CreateKey", "kms:TagResource", "kms:CreateAlias", "kms:EnableKeyRotation"),
        "cloudwatch_logs_log_group": ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "iam:PassRole"),
        # role writes beside sts:AssumeRole could escalate: only when soc2ctl keeps the role itself
        "create_delivery_role": ("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy"),
    }

    def provides(self, target: Target, params: OrgCloudTrailParams) -> list[Resource]:
        made = [pre.bucket_resource(bucket_name_for(target.management_account_id, params))]
        if params.cloudwatch_logs_log_group:
            group = params.cloudwatch_logs_log_group
            made.append(Resource("trail-log-group", f"{target.account_id}/{target.region}/{group}"))
        return made if params.manage_bucket else made[1:]

    def requires(self, target: Target, params: OrgCloudTrailParams) -> list[Requirement]:
        if params.manage_bucket:
            return []
        return [pre.bucket(bucket_name_for(target.management_account_id, params), CLOUDTRAIL)]

    def read(self, ctx: TaskContext, params: OrgCloudTrailParams) -> dict[str, Any]:
        bucket = bucket_name(ctx, params)
        trusted = trusted_services(ctx)
        org_id = ctx.client("organizations").describe_organization()["Organization"]["Id"]
        common = {"organization_id": org_id, "trusted_access": CLOUDTRAIL in trusted}
        if (theirs := ct.read_trail(ctx, trusted)) is not None:  # Control Tower's trail: never a second one
            return {**common, "control_tower_trail": theirs}
        return {
            **common,
            "kms_key": resolve_key(ctx, params.kms_key_id),
            "bucket": read_bucket(ctx.client("s3"), bucket) if params.manage_bucket else None,
            "trail": read_trail(ctx, params.trail_name),
            "cloudwatch_logs": cwl.read_delivery(
                ctx, params.cloudwatch_logs_log_group, params.cloudwatch_logs_role_name
            )
            if params.cloudwatch_logs_log_group
            else None,
        }

    def managed_elsewhere(self, params: OrgCloudTrailParams, observed: Any) -> ManagedElsewhere | None:
        return ct.trail_managed(observed)

    def held_back(self, params: OrgCloudTrailParams, observed: Any, changes: list[Any]) -> HeldBack | None:
        if params.create_delivery_role or not params.cloudwatch_logs_log_group:
            return None
        return cwl.held_back(changes, params.cloudwatch_logs_role_name)

    def desired(self, ctx: TaskContext, params: OrgCloudTrailParams, observed: Any) -> dict[str, Any]:
        if "control_tower_trail" in observed:
            trail = ct.desired_trail(params.cloudwatch_logs_log_group)
            return {"trusted_access": True, "control_tower_trail": trail}
        bucket = bucket_name(ctx, params)
        key = observed["kms_key"] or kms_arn(params.kms_key_id, ctx.region, ctx.account_id)
        trail = {
            "home_region": ctx.region,
            "s3_bucket_name": bucket,
            "s3_key_prefix": params.s3_key_prefix,
            "is_organization_trail": True,
            "is_multi_region_trail": True,
            "include_global_service_events": True,
            "log_file_validation_enabled": True,
            "kms_key_id": key,
            "logging": True,
        }
        desired: dict[str, Any] = {"trusted_access": True}
        if params.manage_bucket:
            policy = bucket_policy(
                bucket, params.s3_key_prefix, trail_arn(ctx, params), observed["organization_id"]
            )
            desired["bucket"] = {
                "policy": normalize_policy(policy),
                "public_access_block": PUBLIC_ACCESS_BLOCK,
            }
        desired["trail"] = trail
        if params.s3_data_events:
            trail["s3_data_events"] = events.wanted(
                (observed["trail"] or {}).get("s3_data_events"), params.s3_data_events
            )
        if group := params.cloudwatch_logs_log_group:
            trail["cloudwatch_logs_log_group_arn"] = cwl.log_group_arn(ctx.region, ctx.account_id, group)
            trail["cloudwatch_logs_role_arn"] = cwl.role_arn(ctx, params.cloudwatch_logs_role_name)
            desired["cloudwatch_logs"] = cwl.desired_delivery(ctx, group)
        return desired

    def guard(self, ctx: TaskContext, change: PlannedChange[OrgCloudTrailParams]) -> None:
        """Refuse what cannot be fixed from here rather than fail half-way through apply."""
        params, observed = change.params, change.observed
        if observed["kms_key"] is None and not (params.create_kms_key and is_alias(params.kms_key_id)):
            raise UnsafeChange(
                f"KMS key {params.kms_key_id} does not exist in {ctx.region} "
                "(set create_kms_key: true with an alias name, or create the key)"
            )
        trail = observed["trail"]
        if trail is not None and trail["home_region"] != ctx.region:
            raise UnsafeChange(
                f"trail {params.trail_name} has home region {trail['home_region']}, not {ctx.region}: "
                "it can only be changed there"
            )

    def apply(self, ctx: TaskContext, change: PlannedChange[OrgCloudTrailParams]) -> None:
        params, observed = change.params, change.observed
        if not observed["trusted_access"]:
            ctx.client("organizations").enable_aws_service_access(ServicePrincipal=CLOUDTRAIL)
        key = observed["kms_key"] or create_key(ctx, params)
        desired = change.desired
        trail = {**desired["trail"], "kms_key_id": key}  # a key created just now
        if params.manage_bucket:
            ensure_bucket(
                ctx.client("s3"), bucket_name(ctx, params), ctx.region, observed["bucket"], desired["bucket"]
            )
        delivery, new_role = observed["cloudwatch_logs"], False
        if params.cloudwatch_logs_log_group and delivery is not None:
            cwl.ensure_delivery(
                ctx,
                params.cloudwatch_logs_log_group,
                params.cloudwatch_logs_role_name,
                params.cloudwatch_logs_retention_days,
                delivery,
                write_role=params.create_delivery_role,
            )
            new_role = params.create_delivery_role and delivery["role_trust"] is None
            if not params.create_delivery_role and not cwl.role_ready(delivery, desired["cloudwatch_logs"]):
                trail = cwl.without_delivery(trail, observed["trail"])  # the template provides the role
        ensure_trail(ctx, params, observed["trail"], trail, new_role=new_role)


# ---------------------------------------------------------------- read


def bucket_name(ctx: TaskContext, params: OrgCloudTrailParams) -> str:
    return bucket_name_for(ctx.management_account_id, params)


def bucket_name_for(management_account_id: str, params: OrgCloudTrailParams) -> str:
    return params.bucket_name or f"soc2ctl-cloudtrail-{management_account_id}"


def trail_arn(ctx: TaskContext, params: OrgCloudTrailParams) -> str:
    return ctx.arn("cloudtrail", f"trail/{params.trail_name}")


def is_alias(key: str) -> bool:
    return key.startswith("alias/") or ":alias/" in key


def trusted_services(ctx: TaskContext) -> list[str]:
    """CloudTrail needs Organizations trusted access before an organization trail can be made by API."""
    enabled = paginate(
        ctx.client("organizations"), "list_aws_service_access_for_organization", "EnabledServicePrincipals"
    )
    return [s["ServicePrincipal"] for s in enabled]


def resolve_key(ctx: TaskContext, key: str | None) -> str | None:
    """The key ARN an id or alias names (describe_trails reports key ARNs), or None if there is none."""
    if not key:
        return None
    found = or_absent(lambda: ctx.client("kms").describe_key(KeyId=key), "NotFoundException")
    return found["KeyMetadata"]["Arn"] if found else None


def read_trail(ctx: TaskContext, name: str) -> dict[str, Any] | None:
    trails = ctx.client("cloudtrail").describe_trails(trailNameList=[name], includeShadowTrails=True)[
        "trailList"
    ]
    found = next((t for t in trails if t["Name"] == name), None)
    if found is None:
        return None
    status = ctx.client("cloudtrail").get_trail_status(Name=found["TrailARN"])
    return {
        "arn": found["TrailARN"],
        "home_region": found.get("HomeRegion", ctx.region),
        "s3_bucket_name": found.get("S3BucketName"),
        "s3_key_prefix": found.get("S3KeyPrefix") or None,
        "is_organization_trail": bool(found.get("IsOrganizationTrail")),
        "is_multi_region_trail": bool(found.get("IsMultiRegionTrail")),
        "include_global_service_events": bool(found.get("IncludeGlobalServiceEvents")),
        "log_file_validation_enabled": bool(found.get("LogFileValidationEnabled")),
        "kms_key_id": kms_arn(found.get("KmsKeyId") or None, ctx.region, ctx.account_id),
        "logging": bool(status.get("IsLogging")),
        "cloudwatch_logs_log_group_arn": found.get("CloudWatchLogsLogGroupArn") or None,
        "cloudwatch_logs_role_arn": found.get("CloudWatchLogsRoleArn") or None,
        "s3_data_events": events.read_s3(ctx.client("cloudtrail"), found["TrailARN"]),
    }


# ---------------------------------------------------------------- apply


def create_key(ctx: TaskContext, params: OrgCloudTrailParams) -> str:
    """A rotating symmetric key and its alias, usable by this trail; returns the key ARN."""
    alias = params.kms_key_id.split(":", 5)[-1] if params.kms_key_id.startswith("arn:") else params.kms_key_id
    meta = create_aliased_key(
        ctx.client("kms"),
        alias,
        Description=f"soc2ctl: CloudTrail organization trail {params.trail_name}",
        Policy=json.dumps(trail_key_policy(ctx, trail_arn(ctx, params))),
    )
    return meta["Arn"]


def ensure_trail(
    ctx: TaskContext,
    params: OrgCloudTrailParams,
    current: dict[str, Any] | None,
    desired: dict[str, Any],
    *,
    new_role: bool = False,
) -> None:
    cloudtrail = ctx.client("cloudtrail")
    settings = {
        "Name": params.trail_name,
        "S3BucketName": desired["s3_bucket_name"],
        "IsOrganizationTrail": True,
        "IsMultiRegionTrail": True,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "KmsKeyId": desired["kms_key_id"],
    }
    if desired.get("cloudwatch_logs_log_group_arn"):
        settings["CloudWatchLogsLogGroupArn"] = desired["cloudwatch_logs_log_group_arn"]
        settings["CloudWatchLogsRoleArn"] = desired["cloudwatch_logs_role_arn"]
    if desired["s3_key_prefix"] or (current and current["s3_key_prefix"]):
        settings["S3KeyPrefix"] = desired["s3_key_prefix"] or ""  # "" removes a prefix on update
    if current is None:
        cwl.with_new_role(cloudtrail.create_trail, new_role=new_role, **settings)
    elif any(current.get(k) != v for k, v in desired.items() if k not in ("logging", "s3_data_events")):
        cwl.with_new_role(cloudtrail.update_trail, new_role=new_role, **settings)
    if current is None or not current["logging"]:
        cloudtrail.start_logging(Name=params.trail_name)
    if "s3_data_events" in desired and (current or {}).get("s3_data_events") != desired["s3_data_events"]:
        events.put_s3(cloudtrail, params.trail_name, desired["s3_data_events"])
