"""The account-level S3 Block Public Access settings."""

from __future__ import annotations

from typing import Any

from remediations._aws import or_absent
from soc2ctl.engine.diff import Change
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext

_FIELDS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class PublicAccessBlockParams(Params):
    block_public_acls: bool = True
    ignore_public_acls: bool = True
    block_public_policy: bool = True
    restrict_public_buckets: bool = True


class S3AccountPublicAccessBlock(Remediation):
    """No bucket in the account can be made public, whatever its own policy or ACL says."""

    name = "s3-account-public-access-block"
    scope = Scope.ACCOUNT
    risk = "medium"  # public buckets and websites in the account stop being public
    criteria = ("CC6.1", "CC6.6", "C1.1")
    Params = PublicAccessBlockParams
    read_actions = ("s3:GetAccountPublicAccessBlock",)
    write_actions = ("s3:PutAccountPublicAccessBlock",)

    def read(self, ctx: TaskContext, params: PublicAccessBlockParams) -> dict[str, Any] | None:
        s3control = ctx.client("s3control")
        found = or_absent(
            lambda: s3control.get_public_access_block(AccountId=ctx.account_id),
            "NoSuchPublicAccessBlockConfiguration",
        )
        if found is None:
            return None
        config = found["PublicAccessBlockConfiguration"]
        return {name: config.get(aws, False) for name, aws in _FIELDS.items()}

    def apply(
        self, ctx: TaskContext, params: PublicAccessBlockParams, observed: Any, changes: list[Change]
    ) -> None:
        ctx.client("s3control").put_public_access_block(
            AccountId=ctx.account_id,
            PublicAccessBlockConfiguration={aws: getattr(params, name) for name, aws in _FIELDS.items()},
        )
