"""The central log buckets of the organization: CloudTrail, Config and VPC flow logs deliver here.

Why a control of its own: a Config delivery channel or a flow log pointed at a bucket nobody created is
accepted by some APIs and then delivers nothing, so "in state" would be a lie. This control creates and
keeps the buckets the baseline names, in the account the inventory designates (`account: log_archive` in
the playbook; the management account unless the inventory names a log archive account), and the controls
that deliver to them require them, so the engine orders this one first.

Each bucket: SSE-S3 default encryption (deliveries from every account need no KMS key grants), versioning,
all four Block Public Access flags, object ownership enforced, and a bucket policy that lets the delivering
service write for the organization's accounts only (`aws:SourceOrgID`; CloudTrail: the one trail) over TLS.

Who creates the buckets and writes their policies (`manage_bucket_policies`): a role that may write a bucket's
policy can grant itself the audit logs in it, so by default soc2ctl's run-time roles never do. The deploy
template (deploy/soc2ctl-roles.yaml, stack parameter `LogArchiveAccountId`) creates the buckets with these
same policies (built by `bucket_policy` below), once, with a deployer's rights; soc2ctl checks them every run
and keeps the other settings itself. A missing bucket or a policy that differs is then a detect finding that
names the template resource. `manage_bucket_policies: true` (the sandbox) lets soc2ctl do both itself.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from remediations._aws import or_absent, partitions
from remediations._log_policies import CONFIG, LOG_DELIVERY, cloudtrail_bucket_policy, service_delivery_policy
from remediations._preconditions import bucket_resource
from remediations._s3 import (
    BLOCK_FIELDS,
    PUBLIC_ACCESS_BLOCK,
    create_bucket,
    normalize_policy,
    read_bucket,
)
from soc2ctl.remediation import (
    Change,
    HeldBack,
    ManagedElsewhere,
    Params,
    PlannedChange,
    Remediation,
    Resource,
    Scope,
    Target,
    TaskContext,
)

Kind = Literal["cloudtrail", "config", "flow-logs"]
ENCRYPTION = "AES256"


class LogBucket(Params):
    name: str = Field(min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.-]+[a-z0-9]$")
    kind: Kind = Field(description="Who delivers: the organization trail, AWS Config, or VPC flow logs.")
    prefix: str | None = Field(default=None, description="Key prefix deliveries use, if any.")


class CentralLogBucketsParams(Params):
    buckets: list[LogBucket] = Field(min_length=1)
    cloudtrail_trail_name: str = Field(
        default="soc2ctl-organization-trail",
        description="The organization trail (management account, home region) a cloudtrail bucket admits.",
    )
    manage_bucket_policies: bool = Field(
        default=False,
        description="Create missing buckets and write their bucket policies (s3:CreateBucket, "
        "s3:PutBucketPolicy). false: the deploy template provisions them; a missing bucket or a policy "
        "that differs is reported with the step to take, never written.",
    )


class CentralLogBuckets(Remediation[CentralLogBucketsParams]):
    """Central log buckets (CloudTrail, Config, flow logs) exist, encrypted, versioned, private, and let the
    organization's accounts deliver."""

    name = "central-log-buckets"
    scope = Scope.ACCOUNT
    criteria = ("CC2.1", "CC7.2", "PI1.4")
    prowler_checks = ("cloudtrail_logs_s3_bucket_is_not_publicly_accessible",)
    read_actions = (
        "organizations:DescribeOrganization",
        "s3:ListBucket",  # HeadBucket
        "s3:GetBucketPolicy",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketVersioning",
        "s3:GetEncryptionConfiguration",
    )
    write_actions = (
        "s3:CreateBucket",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
    )
    # A bucket-policy write could open the audit logs to the writer: granted only when turned on.
    conditional_writes = {
        "manage_bucket_policies": ("s3:CreateBucket", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy")
    }

    def provides(self, target: Target, params: CentralLogBucketsParams) -> list[Resource]:
        return [bucket_resource(b.name) for b in params.buckets]

    def read(self, ctx: TaskContext, params: CentralLogBucketsParams) -> dict[str, Any]:
        s3 = ctx.client("s3")
        return {
            "organization_id": ctx.client("organizations").describe_organization()["Organization"]["Id"],
            "buckets": {b.name: _read_one(s3, b.name) for b in params.buckets},
        }

    def desired(self, ctx: TaskContext, params: CentralLogBucketsParams, observed: Any) -> dict[str, Any]:
        org_id = observed["organization_id"]
        return {"buckets": {b.name: _want_one(ctx, params, b, org_id) for b in params.buckets}}

    def held_back(
        self, params: CentralLogBucketsParams, observed: Any, changes: list[Change]
    ) -> HeldBack | None:
        """With policy writes off, a missing bucket or a policy that differs waits for the template."""
        held = tuple(c for c in changes if _template_owned(c))
        if params.manage_bucket_policies or not held:
            return None
        ids = template_ids(params.buckets)
        resources = [
            f"LogBucket{ids[n]}/LogBucketPolicy{ids[n]} ({n})" for n in sorted({c.keys[1] for c in held})
        ]
        note = ManagedElsewhere(
            by="the soc2ctl deploy template (deploy/soc2ctl-roles.yaml)",
            resources=tuple(resources),
            human_step=HUMAN_STEP.format(resources=", ".join(resources)),
        )
        return HeldBack(note, held)

    def apply(self, ctx: TaskContext, change: PlannedChange[CentralLogBucketsParams]) -> None:
        s3, writes = ctx.client("s3"), change.params.manage_bucket_policies
        for name, wanted in change.desired["buckets"].items():
            current = change.observed["buckets"][name]
            if current is None and not writes:
                continue  # the template creates it, with its policy
            _ensure_one(s3, ctx.region, name, current, wanted, write_policy=writes)


HUMAN_STEP = (
    "Deploy (or update) the soc2ctl deploy template deploy/soc2ctl-roles.yaml in the log archive account "
    "with LogArchiveAccountId set to that account: its {resources} create the buckets with their bucket "
    "policies (soc2ctl writes bucket policies only with manage_bucket_policies: true)."
)


def template_ids(buckets: list[LogBucket]) -> dict[str, str]:
    """Each bucket's name in the deploy template (`LogBucket<id>`, `LogBucketPolicy<id>`): its kind
    (`Cloudtrail`, `Config`, `FlowLogs`), numbered after the first bucket of a kind."""
    seen: dict[str, int] = {}
    ids = {}
    for bucket in buckets:
        seen[bucket.kind] = seen.get(bucket.kind, 0) + 1
        stem = "".join(part.capitalize() for part in bucket.kind.split("-"))
        ids[bucket.name] = stem + (str(seen[bucket.kind]) if seen[bucket.kind] > 1 else "")
    return ids


def _template_owned(change: Change) -> bool:
    """A whole missing bucket, or its policy: what the template, not the run-time role, writes."""
    return len(change.keys) == 2 or change.keys[2] == "policy"


def _read_one(s3: Any, name: str) -> dict[str, Any] | None:
    found = read_bucket(s3, name)
    if found is None:
        return None
    versioning = s3.get_bucket_versioning(Bucket=name).get("Status")
    encryption = or_absent(
        lambda: s3.get_bucket_encryption(Bucket=name), "ServerSideEncryptionConfigurationNotFoundError"
    )
    rules = ((encryption or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}]
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    return {
        **found,
        "versioning": versioning or "Disabled",
        "encryption": default.get("SSEAlgorithm"),
    }


def bucket_policy(bucket: LogBucket, trail: str, org_id: str, partition: str) -> dict[str, Any]:
    """The policy of one log bucket: what the module compares and writes, and what the deploy template
    creates (soc2ctl.policy.template_logs calls this with CloudFormation substitutions as the values)."""
    if bucket.kind == "cloudtrail":
        return cloudtrail_bucket_policy(bucket.name, bucket.prefix, trail, org_id, partition=partition)
    service = CONFIG if bucket.kind == "config" else LOG_DELIVERY
    return service_delivery_policy(bucket.name, service, org_id, bucket.prefix, partition=partition)


def trail_arn(partition: str, home_region: str, management_account_id: str, trail_name: str) -> str:
    return partitions.arn(partition, "cloudtrail", home_region, management_account_id, f"trail/{trail_name}")


def _want_one(
    ctx: TaskContext, params: CentralLogBucketsParams, bucket: LogBucket, org_id: str
) -> dict[str, Any]:
    trail = trail_arn(ctx.partition, ctx.home_region, ctx.management_account_id, params.cloudtrail_trail_name)
    policy = bucket_policy(bucket, trail, org_id, ctx.partition)
    return {
        "policy": normalize_policy(policy),
        "public_access_block": PUBLIC_ACCESS_BLOCK,
        "versioning": "Enabled",
        "encryption": ENCRYPTION,
    }


def _ensure_one(
    s3: Any,
    region: str,
    name: str,
    current: dict[str, Any] | None,
    want: dict[str, Any],
    *,
    write_policy: bool,
) -> None:
    """Block public access before the policy goes on, so the bucket is never briefly open."""
    if current is None:
        create_bucket(s3, name, region)
        current = {}
    if current.get("public_access_block") != want["public_access_block"]:
        config = BLOCK_FIELDS.to_aws(want["public_access_block"])
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=config)
    if current.get("encryption") != want["encryption"]:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": want["encryption"]}}
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
    if current.get("versioning") != want["versioning"]:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": want["versioning"]})
    if write_policy and current.get("policy") != want["policy"]:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(want["policy"]))
