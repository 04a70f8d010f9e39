"""Every S3 bucket refuses requests not made over TLS: a deny statement merged into its bucket policy.

The statement is added to the policy as read; every other statement is kept as it is. A statement that
already denies every S3 action over plain HTTP to everyone, on the bucket and its objects, counts
whatever its Sid; a soc2ctl statement (Sid `DenyInsecureTransport`) that no longer does is replaced.

Permissions: a role that may write a bucket's policy can grant itself the bucket's objects, so the fix is
opt-in (`write_bucket_policies`; the baseline leaves it off and only detects, with the statement to add).
When on, `soc2ctl iam-policy` grants s3:PutBucketPolicy on soc2ctl's own buckets only (`soc2ctl-*`,
SCOPED_GRANTS in soc2ctl/policy/iam_policy.py). To let this control fix other buckets, grant the apply role
s3:PutBucketPolicy on them deliberately; without it the apply of such a bucket fails with AccessDenied,
naming the account (plan and detection need no write).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from remediations._aws import or_absent
from remediations._data import bucket_arn, bucket_name, each_bucket
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

SID = "DenyInsecureTransport"


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _insecure_condition(condition: dict[str, Any]) -> bool:
    for operator in ("Bool", "BoolIfExists"):
        for key, value in (condition.get(operator) or {}).items():
            if key.lower() == "aws:securetransport" and [str(v).lower() for v in _items(value)] == ["false"]:
                return True
    return False


def denies_insecure(statement: dict[str, Any], arn: str) -> bool:
    """Whether the statement denies all S3 actions over plain HTTP to everyone, on bucket and objects."""
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in _items(principal.get("AWS")))
    actions = {a.lower() for a in _items(statement.get("Action", []))}
    resources = set(_items(statement.get("Resource", [])))
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and bool(actions & {"s3:*", "*"})
        and ("*" in resources or {arn, f"{arn}/*"} <= resources)
        and _insecure_condition(statement.get("Condition") or {})
    )


def tls_statement(arn: str) -> dict[str, Any]:
    return {
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def merged(policy: dict[str, Any] | None, arn: str) -> dict[str, Any]:
    """The policy with the TLS statement added (or a stale soc2ctl one replaced), the rest untouched."""
    policy = dict(policy or {"Version": "2012-10-17"})
    kept = [s for s in _items(policy.get("Statement", [])) if s.get("Sid") != SID]
    return {**policy, "Statement": [*kept, tls_statement(arn)]}


class S3BucketTlsOnlyParams(Params):
    write_bucket_policies: bool = Field(
        default=True,
        description="Merge the deny into bucket policies (s3:PutBucketPolicy). false: detect only.",
    )


class S3BucketTlsOnly(Remediation[S3BucketTlsOnlyParams]):
    """Every S3 bucket's policy denies requests made without TLS (other statements are kept)."""

    name = "s3-bucket-tls-only"
    scope = Scope.REGION
    risk = "medium"  # clients still using plain HTTP (old SDKs, http:// URLs) are refused
    criteria = ("CC6.1", "CC6.7")
    prowler_checks = ("s3_bucket_secure_transport_policy",)
    config_rules = ("s3-bucket-ssl-requests-only",)
    securityhub_controls = ("S3.5",)
    read_actions = ("s3:ListAllMyBuckets", "s3:GetBucketPolicy")
    write_actions = ("s3:PutBucketPolicy",)  # never DeleteBucketPolicy
    conditional_writes = {"write_bucket_policies": ("s3:PutBucketPolicy",)}
    human_step = (
        "Add a statement denying s3:* to every principal when aws:SecureTransport is false, on the bucket and "
        "its objects, to each bucket's policy (or set write_bucket_policies: true and grant the apply role "
        "s3:PutBucketPolicy on those buckets)."
    )

    def detects_only(self, params: S3BucketTlsOnlyParams) -> bool:
        return not params.write_bucket_policies

    def read(self, ctx: TaskContext, params: S3BucketTlsOnlyParams) -> dict[str, Any]:
        def state(s3: Any, name: str) -> dict[str, Any]:
            found = or_absent(lambda: s3.get_bucket_policy(Bucket=name), "NoSuchBucketPolicy")
            policy = json.loads(found["Policy"]) if found else None
            arn = bucket_arn(ctx, name)
            statements = _items((policy or {}).get("Statement", []))
            return {"tls_only": any(denies_insecure(s, arn) for s in statements), "policy": policy}

        return each_bucket(ctx, state)

    def desired(self, ctx: TaskContext, params: S3BucketTlsOnlyParams, observed: Any) -> dict[str, Any]:
        return {arn: {"tls_only": True} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[S3BucketTlsOnlyParams]) -> None:
        s3 = ctx.client("s3")
        for arn in change.changed_keys():
            policy = merged(change.observed[arn]["policy"], arn)
            s3.put_bucket_policy(Bucket=bucket_name(arn), Policy=json.dumps(policy))
