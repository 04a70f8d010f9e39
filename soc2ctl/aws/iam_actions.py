"""Which IAM action authorizes an API call: the one mapping used by evidence, `iam-policy` and the tests.

Usually `<signing name>:<Operation>`; the exceptions below are calls IAM authorizes under another name
(S3 Control's PutPublicAccessBlock is `s3:PutAccountPublicAccessBlock`, not `s3:PutPublicAccessBlock`).
"""

from __future__ import annotations

from collections.abc import Iterable

# API operations whose IAM action differs from `<signing name>:<OperationName>` (botocore service name, op).
IAM_ACTION_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("s3control", "PutPublicAccessBlock"): "s3:PutAccountPublicAccessBlock",
    ("s3control", "DeletePublicAccessBlock"): "s3:PutAccountPublicAccessBlock",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "DeleteObjects"): "s3:DeleteObject",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "s3:PutLifecycleConfiguration",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "PutObjectLockConfiguration"): "s3:PutBucketObjectLockConfiguration",
    ("s3", "GetBucketNotificationConfiguration"): "s3:GetBucketNotification",
    ("s3", "PutBucketNotificationConfiguration"): "s3:PutBucketNotification",
    ("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration",
    ("s3", "PutBucketReplication"): "s3:PutReplicationConfiguration",
    ("s3", "GetBucketCors"): "s3:GetBucketCORS",
    ("s3", "PutBucketCors"): "s3:PutBucketCORS",
    # API Gateway authorizes by HTTP method on the resource path, for both its APIs (signing name apigateway)
    ("apigateway", "GetRestApis"): "apigateway:GET",
    ("apigateway", "GetStages"): "apigateway:GET",
    ("apigateway", "UpdateStage"): "apigateway:PATCH",
    ("apigatewayv2", "GetApis"): "apigateway:GET",
    ("apigatewayv2", "GetStages"): "apigateway:GET",
    ("apigatewayv2", "UpdateStage"): "apigateway:PATCH",
}

# Services whose IAM prefix is not their signing name (botocore service name -> IAM prefix).
IAM_PREFIX_EXCEPTIONS = {"cloudwatch": "cloudwatch"}  # signs as "monitoring"

# Calls the engine makes on every session (and, for blast radius, on the organization tree, with the
# caller's credentials: in ENGINE_CALLER_ACTIONS); they are not a module's to declare.
ENGINE_OPERATIONS = frozenset(
    {
        ("sts", "AssumeRole"),
        ("sts", "GetCallerIdentity"),
        ("organizations", "ListRoots"),
        ("organizations", "ListAccounts"),
        ("organizations", "ListAccountsForParent"),
        ("organizations", "ListOrganizationalUnitsForParent"),
    }
)


def iam_action(service_name: str, signing_name: str, operation: str) -> str:
    """The IAM action an API call is authorized as (botocore service name, signing name, operation)."""
    prefix = IAM_PREFIX_EXCEPTIONS.get(service_name, signing_name)
    return IAM_ACTION_EXCEPTIONS.get((service_name, operation), f"{prefix}:{operation}")


# IAM prefixes whose calls go through other botocore services than the prefix names.
BOTOCORE_SERVICES_OF_PREFIX: dict[str, tuple[str, ...]] = {
    "monitoring": ("cloudwatch",),
    "access-analyzer": ("accessanalyzer",),
    "elasticloadbalancing": ("elbv2", "elb"),
}


def botocore_services(actions: Iterable[str]) -> list[str]:
    """The botocore services whose calls are authorized as these IAM actions, in the order the actions
    name them: the services of the calls IAM_ACTION_EXCEPTIONS maps to an action (S3 Control's
    GetPublicAccessBlock for `s3:GetAccountPublicAccessBlock`), else the prefix's (`ec2:Get...` -> ec2)."""
    by_action: dict[str, list[str]] = {}
    for (service, _), action in IAM_ACTION_EXCEPTIONS.items():
        by_action.setdefault(action, []).append(service)
    found: dict[str, None] = {}
    for action in actions:
        prefix = action.split(":", 1)[0]
        services = by_action.get(action) or BOTOCORE_SERVICES_OF_PREFIX.get(prefix, (prefix,))
        found.update(dict.fromkeys(services))
    return list(found)
