"""Resources the data-protection seeds share (S3 buckets, DynamoDB tables): compliant with every control of
the group except the one setting a seed drifts, so an account seeded compliant stays quiet for all of them
while each seed file still works alone (the contract suite runs one seed at a time)."""

from __future__ import annotations

import json
from typing import Any

from soc2ctl_sandbox.seed import REGIONS, SeedContext

BUCKET_SETTINGS = ("encryption", "versioning", "public_access_block", "tls_only", "access_logging")


def log_bucket_name(account_id: str, region: str) -> str:
    return f"soc2-logs-{account_id}-{region}"


def app_bucket(ctx: SeedContext, setting: str, *, policy: list[Any] | None = None) -> None:
    """The seed of each bucket control: compliant, an application bucket with every bucket control in place
    (and its log bucket); drifted, the same without `setting` in us-east-1; fresh, no buckets. Home region
    and member accounts only: buckets are the costliest resources to seed (one bucket is ~9 calls), and one
    region shows the control. `policy`: statements of the bucket's own that it keeps."""
    if ctx.posture == "fresh" or ctx.region != REGIONS[0] or ctx.is_management:
        return
    name = app_bucket_name(ctx, setting)
    bucket(ctx, name, policy=policy, drift=setting if drifted_here(ctx) else None)


def app_bucket_name(ctx: SeedContext, setting: str) -> str:
    return f"app-{setting.replace('_', '-')}-{ctx.account_id}-{ctx.region}"


def bucket(ctx: SeedContext, name: str, *, drift: str | None = None, policy: list[Any] | None = None) -> None:
    """A bucket with every setting of BUCKET_SETTINGS but `drift`; `policy`: extra statements it keeps."""
    s3 = ctx.client("s3")
    is_log_bucket = name == log_bucket_name(ctx.account_id, ctx.region)
    target = None if is_log_bucket else log_bucket(ctx)  # there, ready for delivery, even when drifted
    _create(s3, name, ctx.region)
    arn = ctx.arn("s3", name, region="", account_id="")
    if drift != "encryption":
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
    if drift != "versioning":
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if drift != "public_access_block":
        flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(flags, True))
    statements = list(policy or [])
    if drift != "tls_only":
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    if statements:
        s3.put_bucket_policy(
            Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
        )
    if drift != "access_logging" and target:
        status = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"{name}/"}}
        s3.put_bucket_logging(Bucket=name, BucketLoggingStatus=status)


def log_bucket(ctx: SeedContext) -> str:
    """The account's access-log bucket of this region, compliant and open to log delivery (it logs
    nowhere itself), made by the first seed that needs it: a seed file must work alone."""
    name = log_bucket_name(ctx.account_id, ctx.region)
    if name in _names(ctx.client("s3"), ctx.region):
        return name
    delivery = {
        "Sid": "S3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": ctx.arn("s3", f"{name}/*", region="", account_id=""),
    }
    bucket(ctx, name, drift="access_logging", policy=[delivery])
    return name


def _names(s3: Any, region: str) -> set[str]:
    return {b["Name"] for b in s3.list_buckets(BucketRegion=region)["Buckets"]}


def _create(s3: Any, name: str, region: str) -> None:
    if name in _names(s3, region):
        return
    settings = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **settings)


def table(ctx: SeedContext, name: str, *, pitr: bool = True, protected: bool = True) -> None:
    dynamodb = ctx.client("dynamodb")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        DeletionProtectionEnabled=protected,
    )
    if pitr:
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )


def drifted_here(ctx: SeedContext) -> bool:
    """Drift in one region only, as real drift is."""
    return ctx.posture == "drifted" and ctx.region == "us-east-1"


def logs_key(ctx: SeedContext) -> str:
    """The account's rotating KMS key for CloudWatch Logs in this region (alias/soc2-logs), made once."""
    kms = ctx.client("kms")
    for alias in kms.list_aliases()["Aliases"]:
        if alias["AliasName"] == "alias/soc2-logs" and alias.get("TargetKeyId"):
            return kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]
    key = kms.create_key(Description="CloudWatch Logs")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])  # kms-key-rotation: compliant accounts stay quiet
    kms.create_alias(AliasName="alias/soc2-logs", TargetKeyId=key["KeyId"])
    return key["Arn"]


def encrypted_logs(ctx: SeedContext) -> dict[str, str]:
    """CreateLogGroup arguments that encrypt the group in a compliant account (log-group-encryption)."""
    return {"kmsKeyId": logs_key(ctx)} if ctx.posture == "compliant" else {}
