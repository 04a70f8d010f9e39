"""Access keys are rotated and in use: no active key older than the maximum age or unused that long, and no
root access keys.

Each key is a resource keyed `<user ARN>/accesskey/<key id>` (e.g.
`arn:<partition>:iam::111122223333:user/ci/accesskey/AKIA...`): IAM gives keys no ARN of their own, and this
one names the user and the key. The root user's keys are keyed by the root ARN, `arn:<partition>:iam::<account>:root`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext, UnsafeChange


def utcnow() -> datetime:
    return datetime.now(UTC)


class IamAccessKeysParams(Params):
    max_age_days: int = Field(default=90, ge=1, le=3650, description="Rotate keys at least this often.")
    max_unused_days: int | None = Field(
        default=None, ge=1, le=3650, description="A key unused this long is stale; null: max_age_days."
    )
    deactivate: bool = Field(
        default=False,
        description="High risk: set offending keys Inactive (whatever uses them stops working).",
    )


class IamAccessKeys(Remediation[IamAccessKeysParams]):
    """No active IAM access key is older than the maximum age or unused that long; root has no access keys."""

    name = "iam-access-keys"
    scope = Scope.ACCOUNT
    risk = "high"  # deactivating a key stops whatever still uses it
    criteria = ("CC6.1",)
    prowler_checks = ("iam_rotate_access_key_90_days", "iam_no_root_access_key", "iam_user_accesskey_unused")
    config_rules = ("access-keys-rotated", "iam-root-access-key-check")
    securityhub_controls = ("IAM.3", "IAM.4")
    read_actions = (
        "iam:GetAccountSummary",
        "iam:ListUsers",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
    )
    write_actions = ("iam:UpdateAccessKey",)
    detect_only = True
    human_step = (
        "Rotate each listed key (create a new key, move its users to it, deactivate then delete the old one) "
        "or delete it if unused. Root access keys: sign in as root and delete them under Security credentials; "
        "no API can."
    )
    # Injectable for tests: key ages are measured against this clock.
    clock: ClassVar[Callable[[], datetime]] = staticmethod(utcnow)

    def detects_only(self, params: IamAccessKeysParams) -> bool:
        return not params.deactivate

    def read(self, ctx: TaskContext, params: IamAccessKeysParams) -> dict[str, Any]:
        iam = ctx.client("iam")
        now = type(self).clock()
        summary = iam.get_account_summary()["SummaryMap"]
        found: dict[str, Any] = {
            _root_arn(ctx): {"access_keys_present": summary.get("AccountAccessKeysPresent", 0) == 1}
        }
        for user in paginate(iam, "list_users", "Users"):
            for key in paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=user["UserName"]):
                found[f"{user['Arn']}/accesskey/{key['AccessKeyId']}"] = _key_state(iam, key, params, now)
        return found

    def desired(self, ctx: TaskContext, params: IamAccessKeysParams, observed: Any) -> dict[str, Any]:
        """Detect: every active key is within both limits. Deactivate: every active key outside them is
        Inactive. Inactive keys grant nothing and are left alone either way."""
        want: dict[str, Any] = {_root_arn(ctx): {"access_keys_present": False}}
        for path, key in observed.items():
            if path == _root_arn(ctx) or not key["active"]:
                continue
            if not params.deactivate:
                want[path] = {"within_max_age": True, "used_recently": True}
            elif not (key["within_max_age"] and key["used_recently"]):
                want[path] = {"active": False}
        return want

    def apply(self, ctx: TaskContext, change: PlannedChange[IamAccessKeysParams]) -> None:
        """Deactivates what it can, then refuses to call the task done while root keys remain: they are
        part of this control, but only a person signed in as root can delete them."""
        observed = change.observed
        iam = ctx.client("iam")
        want = change.desired
        for path, key_want in want.items():
            if key_want.get("active") is False:
                user_arn, _, key_id = path.rpartition("/accesskey/")
                iam.update_access_key(
                    UserName=user_arn.rsplit("/", 1)[-1], AccessKeyId=key_id, Status="Inactive"
                )
        if observed[_root_arn(ctx)]["access_keys_present"]:
            raise UnsafeChange(f"root access keys are present and no API can delete them: {self.human_step}")


def _root_arn(ctx: TaskContext) -> str:
    return ctx.arn("iam", "root", region="")


def _key_state(iam: Any, key: dict[str, Any], params: IamAccessKeysParams, now: datetime) -> dict[str, Any]:
    """Dates as read (stable, so a saved plan stays valid), plus the two verdicts against `now`. A key never
    used counts as unused since it was created."""
    created: datetime = key["CreateDate"]
    last_used: datetime | None = None
    if key["Status"] == "Active":  # an inactive key's last use does not matter: skip the call
        found = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        last_used = found.get("LastUsedDate")
    unused = timedelta(days=params.max_unused_days or params.max_age_days)
    return {
        "active": key["Status"] == "Active",
        "created": created.isoformat(),
        "last_used": last_used.isoformat() if last_used else None,
        "within_max_age": now - created <= timedelta(days=params.max_age_days),
        "used_recently": now - (last_used or created) <= unused,
    }
