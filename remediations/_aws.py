"""The helpers a remediation module may use, next to the contract in `soc2ctl.remediation`.

Modules import only these two: the import-contract linter (tests/test_architecture.py) fails a module that
reaches into the engine, the registry or the CLI.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from soc2ctl.aws import partitions
from soc2ctl.aws.lost_response import LOST_RESPONSE
from soc2ctl.aws.organizations import OrgNode, walk_organization
from soc2ctl.policy.documents import normalise_policy
from soc2ctl.policy.scp_eval import Denial, denials, effective_denials

__all__ = [
    "ALIAS_TAG",
    "Denial",
    "FieldMap",
    "OrgNode",
    "client_token",
    "create_aliased_key",
    "create_org_policy",
    "denials",
    "effective_denials",
    "error_code",
    "kms_arn",
    "normalise_policy",
    "or_absent",
    "paginate",
    "partitions",
    "tagged_key",
    "walk_organization",
]

T = TypeVar("T")


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def or_absent(call: Callable[[], T], *codes: str) -> T | None:
    """The call's result, or None when AWS says the thing does not exist (one of `codes`)."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def kms_arn(key: str | None, region: str, account_id: str) -> str | None:
    """Key ids and alias names as full ARNs, so `alias/x` and its ARN never show as a difference."""
    if not key or key.startswith("arn:"):
        return key
    resource = key if key.startswith("alias/") else f"key/{key}"
    return partitions.arn(partitions.for_region(region), "kms", region, account_id, resource)


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of a paginated list call (resource-level controls must never stop at page one)."""
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


# ---------------------------------------------------------------- creates that survive lost responses

ALIAS_TAG = "soc2ctl:alias"


def client_token(ctx: Any, *parts: str) -> str:
    """An idempotency token for one create in one run: the same on every retry of this task's call (so
    AWS answers a re-sent create with the first one's result), different in the next run."""
    seed = "/".join((ctx.sessions.run_id, ctx.account_id, ctx.region, *parts))
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def tagged_key(kms: Any, alias: str) -> dict[str, Any] | None:
    """The enabled customer key soc2ctl created for `alias` (tagged at creation), if there is one."""
    for key in paginate(kms, "list_keys", "Keys"):
        tags = or_absent(lambda k=key: kms.list_resource_tags(KeyId=k["KeyId"]), "NotFoundException")
        if not any(t["TagKey"] == ALIAS_TAG and t["TagValue"] == alias for t in (tags or {}).get("Tags", [])):
            continue
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyState") == "Enabled":
            return meta
    return None


def create_aliased_key(kms: Any, alias: str, **settings: Any) -> dict[str, Any]:
    """A rotating customer key behind `alias`; returns its metadata. KMS CreateKey has no client token, so
    the key is tagged with its alias: a key left by a lost response (or a run that died before the alias)
    is found and adopted, never duplicated."""
    meta = tagged_key(kms, alias)
    for _ in range(3):
        if meta is not None:
            break
        tags = [{"TagKey": ALIAS_TAG, "TagValue": alias}, {"TagKey": "managed-by", "TagValue": "soc2ctl"}]
        try:
            meta = kms.create_key(Tags=tags, **settings)["KeyMetadata"]
        except LOST_RESPONSE:  # made or not: read, and create again only if it was not
            meta = tagged_key(kms, alias)
    if meta is None:
        raise RuntimeError(f"KMS key for {alias}: three creates went unanswered and none is found")
    kms.enable_key_rotation(KeyId=meta["KeyId"])
    kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    return meta


def create_org_policy(org: Any, policy_type: str, name: str, description: str, content: str) -> str:
    """The new policy's id. Organizations has no client token: after an unanswered create the retry finds
    the name taken, and the policy of that name (made by the first attempt) is adopted."""
    try:
        created = org.create_policy(Name=name, Description=description, Type=policy_type, Content=content)
        return created["Policy"]["PolicySummary"]["Id"]
    except ClientError as exc:
        if error_code(exc) != "DuplicatePolicyException":
            raise
    policies = paginate(org, "list_policies", "Policies", Filter=policy_type)
    return next(p["Id"] for p in policies if p["Name"] == name)


def pascal(name: str) -> str:
    """`block_public_acls` -> `BlockPublicAcls`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def snake(name: str) -> str:
    """`BlockPublicAcls` -> `block_public_acls`."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True)
class FieldMap:
    """Parameter names (snake_case, as a reviewer writes them) to AWS field names (PascalCase) and back:
    the one translation, so no module keeps its own table."""

    aws_names: Mapping[str, str]

    @classmethod
    def of(cls, *names: str) -> FieldMap:
        return cls({name: pascal(name) for name in names})

    def from_aws(self, data: Mapping[str, Any], default: Any = None) -> dict[str, Any]:
        """The mapped fields of an AWS response by parameter name; a field AWS omits reads as `default`
        (or is left out when `default` is None)."""
        return {
            name: data.get(aws, default)
            for name, aws in self.aws_names.items()
            if aws in data or default is not None
        }

    def to_aws(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The mapped entries of `values` (parameter names) as AWS request fields."""
        return {aws: values[name] for name, aws in self.aws_names.items() if name in values}
