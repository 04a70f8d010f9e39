"""Explicit denies that close what soc2ctl's own grants would open, whatever else a policy allows.

Two escalations follow from writes soc2ctl needs, and an IAM linter cannot see either closed by resource
names alone:

- **Role writes reaching the roles soc2ctl runs as.** org-cloudtrail creates and keeps its CloudWatch Logs
  delivery role, so the policy allows `iam:CreateRole`/`PutRolePolicy`/`UpdateAssumeRolePolicy` on
  `soc2ctl-*` roles; the execution roles are `soc2ctl-plan` and `soc2ctl-apply`. Without a deny the apply
  role could put an inline policy on itself, the plan role or (as the caller) on a role it may assume.
- **Bucket-policy writes reaching the logs.** central-log-buckets writes the policies of the `soc2ctl-*` log
  buckets; a role that writes a bucket's policy can grant itself that bucket's objects (read the audit
  logs, or delete them). The execution role never needs an object of those buckets (the services deliver
  to them as their own principals), so its policy denies object access there outright: an explicit deny
  in the identity policy wins over any allow a bucket policy could add.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from soc2ctl.aws import partitions

ROLE_WRITES = ("iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy")
OBJECT_ACCESS = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
)


def deny_statements(
    actions: Iterable[str], execution_roles: Iterable[str], *, partition: str, member: bool, prefix: str
) -> list[dict[str, Any]]:
    """The denies a policy granting `actions` needs (none when it grants neither kind of write)."""
    granted, stmts = set(actions), []
    role_writes = sorted(granted & set(ROLE_WRITES))
    if role_writes:
        roles = [partitions.iam_arn(partition, "*", f"role/{name}") for name in sorted(set(execution_roles))]
        stmts.append(_deny("NeverChangeExecutionRoles", role_writes, roles))
    if member and "s3:PutBucketPolicy" in granted:
        objects = partitions.s3_arn(partition, f"{prefix}*", "*")
        stmts.append(_deny("NoObjectAccessInManagedBuckets", list(OBJECT_ACCESS), [objects]))
    return stmts


def _deny(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Deny", "Action": sorted(actions), "Resource": resources}
