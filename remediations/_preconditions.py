"""Checks of the resources other controls depend on (see `Requirement` in soc2ctl.remediation).

Each factory returns a read-only check: None when the resource is there and usable, else one sentence
saying why not. They read from the task's own account, as the service that delivers would see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from botocore.exceptions import ClientError

from remediations._aws import error_code, or_absent, paginate, partitions
from soc2ctl.remediation import Requirement, Resource, TaskContext

Check = Callable[[TaskContext], str | None]
_MISSING_BUCKET = frozenset({"404", "NoSuchBucket", "NotFound"})
_FOREIGN_BUCKET = frozenset({"403", "AccessDenied", "Forbidden"})


def bucket(name: str, service: str) -> Requirement:
    """An S3 bucket that exists and, when this account can read its policy, lets `service` deliver."""

    def check(ctx: TaskContext) -> str | None:
        s3 = ctx.client("s3")
        try:
            s3.head_bucket(Bucket=name)
        except ClientError as exc:
            if error_code(exc) in _MISSING_BUCKET:
                return "the bucket does not exist"
            if error_code(exc) in _FOREIGN_BUCKET:
                return None  # it exists in another account, whose policy this account cannot read
            raise
        found = or_absent(lambda: s3.get_bucket_policy(Bucket=name), "NoSuchBucketPolicy", "AccessDenied")
        if found is None:
            return None  # same-account delivery needs no bucket policy
        if service not in json.dumps(json.loads(found["Policy"])):
            return f"the bucket policy does not let {service} deliver to it"
        return None

    return Requirement(Resource("s3-bucket", name), check)


def log_group_fed_by_trail(account_id: str, region: str, log_group: str) -> Requirement:
    """A logging CloudTrail trail delivers to this CloudWatch Logs group: metric filters see events."""
    arn_prefix = partitions.arn(
        partitions.for_region(region), "logs", region, account_id, f"log-group:{log_group}:"
    )

    def check(ctx: TaskContext) -> str | None:
        cloudtrail = ctx.client("cloudtrail")
        trails = cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]
        feeding = [t for t in trails if (t.get("CloudWatchLogsLogGroupArn") or "").startswith(arn_prefix)]
        for trail in feeding:
            if cloudtrail.get_trail_status(Name=trail["TrailARN"]).get("IsLogging"):
                return None
        if feeding:
            return f"trail {feeding[0]['Name']} delivers to {log_group} but is not logging"
        return f"no CloudTrail trail delivers to log group {log_group}: its metric filters can never match"

    return Requirement(Resource("trail-log-group", f"{account_id}/{region}/{log_group}"), check)


def backup_vault(account_id: str, region: str, vault: str) -> Requirement:
    def check(ctx: TaskContext) -> str | None:
        found = or_absent(
            lambda: ctx.client("backup").describe_backup_vault(BackupVaultName=vault),
            "ResourceNotFoundException",
        )
        return None if found else f"backup vault {vault} does not exist in {region}"

    return Requirement(Resource("backup-vault", f"{account_id}/{region}/{vault}"), check)


def delegated_admin(service: str, admin_account_id: str) -> Requirement:
    """`admin_account_id` is the service's delegated administrator (as the service itself reports it)."""

    def check(ctx: TaskContext) -> str | None:
        admins = paginate(ctx.client(service), "list_organization_admin_accounts", "AdminAccounts")
        ids = {
            a.get("AdminAccountId") or a.get("AccountId")
            for a in admins
            if a.get("AdminStatus", a.get("Status")) in ("ENABLED", None)
        }
        if admin_account_id in ids:
            return None
        others = ", ".join(sorted(i for i in ids if i))
        held = f"administered by {others}" if others else "administered by no account"
        return f"{service} is {held}, not by {admin_account_id} (see control delegated-admins)"

    return Requirement(Resource("delegated-admin", f"{service}/{admin_account_id}"), check)


def guardduty_detector(account_id: str, region: str) -> Requirement:
    def check(ctx: TaskContext) -> str | None:
        gd = ctx.client("guardduty", account_id=account_id, region=region)
        found = paginate(gd, "list_detectors", "DetectorIds")
        return None if found else f"account {account_id} has no GuardDuty detector in {region}"

    return Requirement(detector_resource(account_id, region), check)


def securityhub_hub(account_id: str, region: str) -> Requirement:
    def check(ctx: TaskContext) -> str | None:
        hub = or_absent(
            lambda: ctx.client("securityhub", account_id=account_id, region=region).describe_hub(),
            "InvalidAccessException",
            "ResourceNotFoundException",
        )
        return None if hub else f"Security Hub is not enabled in account {account_id} in {region}"

    return Requirement(hub_resource(account_id, region), check)


def detector_resource(account_id: str, region: str) -> Resource:
    return Resource("guardduty-detector", f"{account_id}/{region}")


def hub_resource(account_id: str, region: str) -> Resource:
    return Resource("securityhub-hub", f"{account_id}/{region}")


def delegated_admin_resource(service: str, admin_account_id: str) -> Resource:
    return Resource("delegated-admin", f"{service}/{admin_account_id}")


def bucket_resource(name: str) -> Resource:
    return Resource("s3-bucket", name)
