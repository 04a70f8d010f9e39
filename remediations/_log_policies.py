"""Bucket policies of the central log buckets: who may deliver what, and TLS only.

One place for them, because two controls write them: org-cloudtrail when it keeps its own bucket, and
central-log-buckets when the log archive keeps every bucket. Delivery is granted to the service principal,
pinned to the organization (`aws:SourceOrgID`) or, for CloudTrail, to the one trail (`aws:SourceArn`), so no
account outside the organization can make a service write into the archive.
"""

from __future__ import annotations

from typing import Any

CLOUDTRAIL = "cloudtrail.amazonaws.com"
CONFIG = "config.amazonaws.com"
LOG_DELIVERY = "delivery.logs.amazonaws.com"  # VPC flow logs to S3


def cloudtrail_bucket_policy(bucket: str, prefix: str | None, trail: str, org_id: str) -> dict[str, Any]:
    """AWS's documented organization-trail bucket policy, pinned to this trail, plus TLS only."""
    logs = f"arn:aws:s3:::{bucket}/{prefix.strip('/') + '/' if prefix else ''}AWSLogs"
    account = trail.split(":")[4]
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
                "Resource": f"arn:aws:s3:::{bucket}",
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
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def _deny_insecure(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def service_delivery_policy(
    bucket: str, service: str, org_id: str, prefix: str | None = None
) -> dict[str, Any]:
    """AWS's documented delivery policy for Config and for flow logs, for every account of the organization:
    the service checks the bucket (ACL, listing) and writes objects it hands to the bucket owner."""
    logs = f"arn:aws:s3:::{bucket}/{prefix.strip('/') + '/' if prefix else ''}AWSLogs/*"
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
                "Resource": f"arn:aws:s3:::{bucket}",
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
            _deny_insecure(bucket),
        ],
    }


def cloudtrail_key_policy(account: str, trail: str) -> dict[str, Any]:
    """The key policy the CloudTrail console creates: account admin, CloudTrail encrypts for this trail only,
    and principals of the management account may decrypt the log files."""
    trails = f"arn:aws:cloudtrail:*:{account}:trail/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableAccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
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
