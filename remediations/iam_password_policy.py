"""The account's IAM password policy."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import FieldMap, or_absent
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class PasswordPolicyParams(Params):
    minimum_password_length: int = Field(default=14, ge=6, le=128)
    require_symbols: bool = True
    require_numbers: bool = True
    require_uppercase_characters: bool = True
    require_lowercase_characters: bool = True
    allow_users_to_change_password: bool = True
    max_password_age: int = Field(default=90, ge=1, le=1095)
    password_reuse_prevention: int = Field(default=24, ge=1, le=24)
    hard_expiry: bool = False
    keep_stricter: bool = Field(
        default=True,
        description="An existing policy stricter than desired (longer, shorter max age) is kept.",
    )


# The parameters read as the policy a reviewer would write down; AWS spells them in PascalCase.
_FIELDS = FieldMap.of(*(name for name in PasswordPolicyParams.model_fields if name != "keep_stricter"))


class IamPasswordPolicy(Remediation[PasswordPolicyParams]):
    """IAM users' passwords are long, complex, rotated and not reused."""

    name = "iam-password-policy"
    scope = Scope.ACCOUNT
    risk = "medium"  # a maximum age expires passwords, forcing resets at next sign-in
    criteria = ("CC6.1",)
    prowler_checks = (
        "iam_password_policy_minimum_length_14",
        "iam_password_policy_uppercase",
        "iam_password_policy_lowercase",
        "iam_password_policy_number",
        "iam_password_policy_symbol",
        "iam_password_policy_reuse_24",
        "iam_password_policy_expires_passwords_within_90_days_or_less",
    )
    config_rules = ("iam-password-policy",)
    securityhub_controls = ("IAM.7", "IAM.15", "IAM.16")
    read_actions = ("iam:GetAccountPasswordPolicy",)
    write_actions = ("iam:UpdateAccountPasswordPolicy",)

    def read(self, ctx: TaskContext, params: PasswordPolicyParams) -> dict[str, Any] | None:
        iam = ctx.client("iam")
        found = or_absent(iam.get_account_password_policy, "NoSuchEntity")
        if found is None:
            return None
        policy = found["PasswordPolicy"]
        return _FIELDS.from_aws(policy)

    def desired(self, ctx: TaskContext, params: PasswordPolicyParams, observed: Any) -> dict[str, Any]:
        want = params.model_dump(exclude={"keep_stricter"})
        if params.keep_stricter and observed:
            have = observed
            for key in ("minimum_password_length", "password_reuse_prevention"):
                if isinstance(have.get(key), int):
                    want[key] = max(want[key], have[key])
            if isinstance(have.get("max_password_age"), int) and have["max_password_age"] > 0:
                want["max_password_age"] = min(want["max_password_age"], have["max_password_age"])
        return want

    def apply(self, ctx: TaskContext, change: PlannedChange[PasswordPolicyParams]) -> None:
        ctx.client("iam").update_account_password_policy(**_FIELDS.to_aws(change.desired))
