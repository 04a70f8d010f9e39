"""The root user of every account has MFA; the management account's is a hardware device."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class RootMfaParams(Params):
    hardware_for_management: bool = Field(
        default=True,
        description="The management account's root user must use a hardware device, not a virtual (app) one.",
    )


class RootMfa(Remediation[RootMfaParams]):
    """The root user has MFA (a hardware device for the management account)."""

    name = "root-mfa"
    scope = Scope.ACCOUNT
    # a root user's MFA device is its last-resort sign-in: a lost device locks the account's root out
    risk = "high"
    criteria = ("CC6.1",)
    prowler_checks = ("iam_root_mfa_enabled", "iam_root_hardware_mfa_enabled")
    config_rules = ("root-account-mfa-enabled", "root-account-hardware-mfa-enabled")
    securityhub_controls = ("IAM.9", "IAM.6")
    read_actions = ("iam:GetAccountSummary", "iam:ListVirtualMFADevices")
    detect_only = True  # no API can enrol a root user's MFA device
    human_step = (
        "Sign in to the account as the root user, open Security credentials and assign an MFA device; "
        "for the management account use a hardware device (FIDO security key or hardware TOTP token) "
        "kept under a documented break-glass procedure, and remove any virtual (app) device."
    )

    def read(self, ctx: TaskContext, params: RootMfaParams) -> dict[str, Any]:
        iam = ctx.client("iam")
        enabled = iam.get_account_summary()["SummaryMap"].get("AccountMFAEnabled", 0) == 1
        found: dict[str, Any] = {"mfa_enabled": enabled}
        if self._hardware_required(ctx, params):
            found["hardware_mfa"] = enabled and not _root_has_virtual_mfa(iam, ctx.account_id)
        return found

    def desired(self, ctx: TaskContext, params: RootMfaParams, observed: Any) -> dict[str, Any]:
        want: dict[str, Any] = {"mfa_enabled": True}
        if self._hardware_required(ctx, params):
            want["hardware_mfa"] = True
        return want

    @staticmethod
    def _hardware_required(ctx: TaskContext, params: RootMfaParams) -> bool:
        """The management account's root can leave the organization's guardrails (SCPs do not bind it),
        so a phishable or cloneable app code is not enough there."""
        return params.hardware_for_management and ctx.account_id == ctx.management_account_id


def _root_has_virtual_mfa(iam: Any, account_id: str) -> bool:
    """AWS lists a root virtual device as assigned to the user `arn:<partition>:iam::<account>:root`; hardware
    devices of the root user are not listed anywhere, so 'MFA on and no virtual device' means hardware."""
    root = f":iam::{account_id}:root"  # any partition
    devices = paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned")
    return any(d.get("User", {}).get("Arn", "").endswith(root) for d in devices)
