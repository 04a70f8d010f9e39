"""The account-level S3 Block Public Access settings."""

from __future__ import annotations

from typing import Any

from remediations._aws import FieldMap, or_absent
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class PublicAccessBlockParams(Params):
    block_public_acls: bool = True
    ignore_public_acls: bool = True
    block_public_policy: bool = True
    restrict_public_buckets: bool = True


_FIELDS = FieldMap.of(*PublicAccessBlockParams.model_fields)


class S3AccountPublicAccessBlock(Remediation[PublicAccessBlockParams]):
    """No bucket in the account can be made public, whatever its own policy or ACL says."""

    name = "s3-account-public-access-block"
    scope = Scope.ACCOUNT
    risk = "medium"  # public buckets and websites in the account stop being public
    criteria = ("CC6.1", "CC6.6", "C1.1")
    prowler_checks = ("s3_account_level_public_access_blocks",)
    config_rules = ("s3-account-level-public-access-blocks-periodic",)
    securityhub_controls = ("S3.1",)
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
        return _FIELDS.from_aws(config, False)

    def apply(self, ctx: TaskContext, change: PlannedChange[PublicAccessBlockParams]) -> None:
        ctx.client("s3control").put_public_access_block(
            AccountId=ctx.account_id,
            PublicAccessBlockConfiguration=_FIELDS.to_aws(change.params.model_dump()),
        )
