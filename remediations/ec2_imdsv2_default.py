"""The account-level default for the EC2 instance metadata service: new instances require IMDSv2."""

from __future__ import annotations

from typing import Any, Literal

from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class ImdsDefaultsParams(Params):
    http_tokens: Literal["required", "optional", "no-preference"] = "required"


class Ec2ImdsV2Default(Remediation[ImdsDefaultsParams]):
    """New EC2 instances require IMDSv2 session tokens by default in every region."""

    name = "ec2-imdsv2-default"
    scope = Scope.REGION
    criteria = ("CC6.1", "CC6.6")
    prowler_checks = ("ec2_instance_account_imdsv2_enabled",)
    read_actions = ("ec2:GetInstanceMetadataDefaults",)
    write_actions = ("ec2:ModifyInstanceMetadataDefaults",)
    risk = "medium"  # new instances whose software still uses IMDSv1 get no metadata (credentials)

    def read(self, ctx: TaskContext, params: ImdsDefaultsParams) -> dict[str, Any]:
        defaults = ctx.client("ec2").get_instance_metadata_defaults()["AccountLevel"]
        return {"http_tokens": defaults.get("HttpTokens", "no-preference")}

    def apply(self, ctx: TaskContext, change: PlannedChange[ImdsDefaultsParams]) -> None:
        ctx.client("ec2").modify_instance_metadata_defaults(HttpTokens=change.params.http_tokens)
