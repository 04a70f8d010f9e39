"""Bucket policies of the central log buckets (who may deliver what, and TLS only), and the trail's key policy.

One place for them, because two controls write them: org-cloudtrail when it keeps its own bucket, and
central-log-buckets when the log archive keeps every bucket. Delivery is granted to the service principal,
pinned to the organization (`aws:SourceOrgID`) or, for CloudTrail, to the one trail (`aws:SourceArn`), so no
account outside the organization can make a service write into the archive.
"""

from __future__ import annotations

import re
from typing import Any

from remediations._aws import partitions
from soc2ctl.remediation import TaskContext

CLOUDTRAIL = "cloudtrail.amazonaws.com"
CONFIG = "config.amazonaws.com"
LOG_DELIVERY = "delivery.logs.amazonaws.com"  # VPC flow logs to S3


def cloudtrail_bucket_policy(
    bucket: str, prefix: str | None, trail: str, org_id: str, *, partition: str | None = None
) -> dict[str, Any]:
    """AWS's documented organization-trail bucket policy, pinned to this trail, plus TLS only."""
    partition = partition or partitions.of_arn(trail) or partitions.DEFAULT  # the trail's is the bucket's
    logs = partitions.s3_arn(partition, bucket, f"{prefix.strip('/') + '/' if prefix else ''}AWSLogs")
    account = _arn_part(trail, 4)
    source = {"aws:SourceArn": trail}
    write = {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}
    cloudtrail = {"Service": CLOUDTRAIL}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:GetBucketAcl",
                "Resource": partitions.s3_arn(partition, bucket),
                "Condition": {"StringEquals": source},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:PutObject",
                "Resource": f"{logs}/{account}/*",
                "Condition": write,
            },
            {
                "Sid": "AWSCloudTrailOrganizationWrite",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:PutObject",
                "Resource": f"{logs}/{org_id}/*",
                "Condition": write,
            },
            _deny_insecure(bucket, partition),
        ],
    }


def _arn_part(arn: str, index: int) -> str:
    """One `:`-separated part of an ARN whose parts may be CloudFormation substitutions (`${AWS::Region}`)."""
    hidden = re.sub(r"\$\{[^}]*\}", lambda m: m.group().replace(":", "\0"), arn)
    return hidden.split(":")[index].replace("\0", ":")


def _deny_insecure(bucket: str, partition: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [partitions.s3_arn(partition, bucket), partitions.s3_arn(partition, bucket, "*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def service_delivery_policy(
    bucket: str, service: str, org_id: str, prefix: str | None = None, *, partition: str
) -> dict[str, Any]:
    """AWS's documented delivery policy for Config and for flow logs, for every account of the organization:
    the service checks the bucket (ACL, listing) and writes objects it hands to the bucket owner."""
    logs = partitions.s3_arn(partition, bucket, f"{prefix.strip('/') + '/' if prefix else ''}AWSLogs/*")
    org = {"aws:SourceOrgID": org_id}
    principal = {"Service": service}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ServiceBucketCheck",
                "Effect": "Allow",
                "Principal": principal,
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": partitions.s3_arn(partition, bucket),
                "Condition": {"StringEquals": org},
            },
            {
                "Sid": "ServiceDelivery",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": logs,
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **org}},
            },
            _deny_insecure(bucket, partition),
        ],
    }


def trail_key_policy(ctx: TaskContext, trail: str) -> dict[str, Any]:
    """The key policy the CloudTrail console creates: account admin, CloudTrail encrypts for this trail only,
    and principals of the management account may decrypt the log files."""
    account = ctx.account_id
    trails = ctx.arn("cloudtrail", "trail/*", region="*")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableAccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": ctx.arn("iam", "root", region="")},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AllowCloudTrailToEncryptLogs",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceArn": trail},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails},
                },
            },
            {
                "Sid": "AllowCloudTrailToDescribeKey",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            },
            {
                "Sid": "AllowAccountToDecryptLogFiles",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails},
                },
            },
        ],
    }
