"""Every IAM user who can sign in to the console has MFA; optionally, those without it are contained."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from remediations._aws import or_absent, paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

# AWS's documented self-service MFA policy: without an MFA session the user can do nothing but enrol a
# device (and change the password they were given), so a stolen password alone is worth nothing.
_SELF_SERVICE = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ChangePassword",
    "iam:GetAccountPasswordPolicy",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]


def deny_without_mfa_policy(ctx: TaskContext) -> dict[str, Any]:
    """Everything but MFA self-service is denied without MFA (in the account's partition)."""
    mfa, user = ctx.arn("iam", "mfa/*", region="", account_id="*"), "user/${aws:username}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowMfaSelfService",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:GetUser",
                    "iam:ChangePassword",
                    "iam:ListMFADevices",
                    "iam:ResyncMFADevice",
                ],
                "Resource": [mfa, ctx.arn("iam", user, region="", account_id="*")],
            },
            {
                "Sid": "AllowListingDevicesAndPasswordPolicy",
                "Effect": "Allow",
                "Action": ["iam:ListVirtualMFADevices", "iam:GetAccountPasswordPolicy"],
                "Resource": "*",
            },
            {
                "Sid": "DenyAllExceptMfaSelfServiceWithoutMfa",
                "Effect": "Deny",
                "NotAction": _SELF_SERVICE,
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }


class IamUserMfaParams(Params):
    enforce_deny_without_mfa: bool = Field(
        default=False,
        description=(
            "Attach a policy denying everything but MFA self-service without MFA to each console user who "
            "has no MFA device. Also blocks that user's access-key (CLI/API) calls, which carry no MFA."
        ),
    )
    policy_name: str = Field(
        default="soc2ctl-deny-without-mfa", pattern=r"^[\w+=,.@-]{1,128}$", description="Customer-managed."
    )


class IamUserMfa(Remediation[IamUserMfaParams]):
    """Every IAM user with a console password has an MFA device."""

    name = "iam-user-mfa"
    scope = Scope.ACCOUNT
    risk = "high"  # the deny policy locks console users without MFA out of everything but MFA setup
    criteria = ("CC6.1", "CC6.2")
    prowler_checks = ("iam_user_mfa_enabled_console_access",)
    config_rules = ("mfa-enabled-for-iam-console-access",)
    securityhub_controls = ("IAM.5", "IAM.19")
    read_actions = (
        "iam:ListUsers",
        "iam:GetLoginProfile",
        "iam:ListMFADevices",
        "iam:ListAttachedUserPolicies",
        "iam:GetPolicy",
    )
    write_actions = ("iam:CreatePolicy", "iam:AttachUserPolicy")
    conditional_writes = {"enforce_deny_without_mfa": write_actions}  # detect-only otherwise
    detect_only = True
    human_step = (
        "Ask each listed user to enrol an MFA device (IAM console > Security credentials > Assign MFA device), "
        "or remove their console password if they do not need the console."
    )

    def detects_only(self, params: IamUserMfaParams) -> bool:
        return not params.enforce_deny_without_mfa

    def read(self, ctx: TaskContext, params: IamUserMfaParams) -> dict[str, Any]:
        """Console users only, by ARN; `deny_without_mfa` only when enforcing (it is the fix's state)."""
        iam = ctx.client("iam")
        policy = _policy_arn(ctx, params)
        found: dict[str, Any] = {}
        for user in paginate(iam, "list_users", "Users"):
            name = user["UserName"]
            if or_absent(lambda n=name: iam.get_login_profile(UserName=n), "NoSuchEntity") is None:
                continue  # no console password: MFA is not what protects this user
            state = {"mfa": bool(paginate(iam, "list_mfa_devices", "MFADevices", UserName=name))}
            if params.enforce_deny_without_mfa and not state["mfa"]:
                attached = paginate(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)
                state["deny_without_mfa"] = any(p["PolicyArn"] == policy for p in attached)
            found[user["Arn"]] = state
        return found

    def desired(self, ctx: TaskContext, params: IamUserMfaParams, observed: Any) -> dict[str, Any]:
        """Detect: every console user has MFA. Enforce: those without it are contained instead (their
        missing MFA stays visible in the observed state and the evidence)."""
        if not params.enforce_deny_without_mfa:
            return {arn: {"mfa": True} for arn in observed}
        return {
            arn: {"mfa": True} if state["mfa"] else {"deny_without_mfa": True}
            for arn, state in observed.items()
        }

    def apply(self, ctx: TaskContext, change: PlannedChange[IamUserMfaParams]) -> None:
        params, observed = change.params, change.observed
        iam = ctx.client("iam")
        policy = _ensure_policy(iam, ctx, params)
        for arn, state in observed.items():
            if state.get("deny_without_mfa") is False:
                iam.attach_user_policy(UserName=arn.rsplit("/", 1)[-1], PolicyArn=policy)


def _policy_arn(ctx: TaskContext, params: IamUserMfaParams) -> str:
    return ctx.arn("iam", f"policy/{params.policy_name}", region="")


def _ensure_policy(iam: Any, ctx: TaskContext, params: IamUserMfaParams) -> str:
    """Created once per account, then shared by every offending user."""
    arn = _policy_arn(ctx, params)
    if or_absent(lambda: iam.get_policy(PolicyArn=arn), "NoSuchEntity") is None:
        iam.create_policy(
            PolicyName=params.policy_name,
            PolicyDocument=json.dumps(deny_without_mfa_policy(ctx)),
            Description="soc2ctl iam-user-mfa: deny all but MFA self-service without MFA",
        )
    return arn
