"""Console passwords and access keys nobody has used for N days are found (and, opt-in, switched off)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import Field

from remediations._aws import or_absent, paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


def utcnow() -> datetime:
    return datetime.now(UTC)


class IamUnusedCredentialsParams(Params):
    max_unused_days: int = Field(default=45, ge=1, le=3650, description="CIS 1.12: 45 days.")
    deactivate: bool = Field(
        default=False,
        description="High risk: delete stale console passwords and set stale access keys Inactive.",
    )


class IamUnusedCredentials(Remediation[IamUnusedCredentialsParams]):
    """No IAM user keeps a console password or an active access key unused for `max_unused_days`.

    Passwords are keyed `<user ARN>/console-password`, keys `<user ARN>/accesskey/<key id>`. A credential
    never used counts from its creation; users without a password list `console-password` inactive. Detect by default; `deactivate` deletes the login profile (IAM
    has no way to disable a password; the user can be given a new one) and sets the key Inactive."""

    name = "iam-unused-credentials"
    scope = Scope.ACCOUNT
    risk = "high"  # whoever still relies on the credential is locked out
    criteria = ("CC6.1", "CC6.2", "CC6.3")
    prowler_checks = ("iam_user_console_access_unused", "iam_user_accesskey_unused")
    config_rules = ("iam-user-unused-credentials-check",)
    securityhub_controls = ("IAM.8", "IAM.22")
    read_actions = ("iam:ListUsers", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed")
    write_actions = ("iam:DeleteLoginProfile", "iam:UpdateAccessKey")
    detect_only = True
    human_step = (
        "Remove each listed console password or access key that is no longer needed (or confirm its owner "
        "still needs it and sign in / use it), or set deactivate: true."
    )
    clock: ClassVar[Callable[[], datetime]] = staticmethod(utcnow)

    def detects_only(self, params: IamUnusedCredentialsParams) -> bool:
        return not params.deactivate

    def read(self, ctx: TaskContext, params: IamUnusedCredentialsParams) -> dict[str, Any]:
        iam, now = ctx.client("iam"), type(self).clock()
        limit = timedelta(days=params.max_unused_days)
        found: dict[str, Any] = {}
        for user in paginate(iam, "list_users", "Users"):
            name, arn = user["UserName"], user["Arn"]
            profile = or_absent(lambda n=name: iam.get_login_profile(UserName=n), "NoSuchEntity")
            found[f"{arn}/console-password"] = {"active": False}
            if profile:
                since = user.get("PasswordLastUsed") or profile["LoginProfile"]["CreateDate"]
                found[f"{arn}/console-password"] = _state(since, now, limit)
            for key in paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=name):
                found[f"{arn}/accesskey/{key['AccessKeyId']}"] = {"active": False}
                if key["Status"] != "Active":  # an inactive key grants nothing: its last use does not matter
                    continue
                used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
                since = used.get("LastUsedDate") or key["CreateDate"]
                found[f"{arn}/accesskey/{key['AccessKeyId']}"] = _state(since, now, limit)
        return found

    def desired(self, ctx: TaskContext, params: IamUnusedCredentialsParams, observed: Any) -> dict[str, Any]:
        """Inactive credentials (no password, an Inactive key) are listed with `active: false` and need
        nothing; that is also the state deactivation leaves, so a re-read after apply matches."""
        active = {key: state for key, state in observed.items() if state["active"]}
        if not params.deactivate:
            return {key: {"used_recently": True} for key in active}
        return {key: {"active": False} for key, state in active.items() if not state["used_recently"]}

    def apply(self, ctx: TaskContext, change: PlannedChange[IamUnusedCredentialsParams]) -> None:
        iam = ctx.client("iam")
        for key in change.changed_keys():
            if key.endswith("/console-password"):
                iam.delete_login_profile(UserName=key.removesuffix("/console-password").rsplit("/", 1)[-1])
            else:
                user_arn, _, key_id = key.rpartition("/accesskey/")
                iam.update_access_key(
                    UserName=user_arn.rsplit("/", 1)[-1], AccessKeyId=key_id, Status="Inactive"
                )


def _state(since: datetime, now: datetime, limit: timedelta) -> dict[str, Any]:
    return {"active": True, "last_used": since.isoformat(), "used_recently": now - since <= limit}
