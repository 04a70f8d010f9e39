"""Unused credentials: compliant accounts have a console user who signed in 3 days ago and a new access
key; drifted ones also a console password unused for 120 days and a 100-day-old key never used. fresh:
no users. Last use and key age cannot be set by any API: they are set on moto's IAM backend."""

from typing import Any

from soc2ctl_sandbox.moto_ext.iam_account import backdate_access_key, set_password_last_used
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    iam = ctx.client("iam")
    iam.create_user(UserName="operator")
    iam.create_login_profile(UserName="operator", Password="Soc2-sandbox-Passw0rd!")
    set_password_last_used(ctx.account_id, "operator", days_ago=3, region=ctx.region)
    _enrol_mfa(iam, ctx.account_id, "operator")  # console users have MFA (iam-user-mfa's control)
    iam.create_user(UserName="deployer")
    iam.create_access_key(UserName="deployer")
    if ctx.posture == "drifted":
        iam.create_user(UserName="former-staff")
        iam.create_login_profile(UserName="former-staff", Password="Soc2-sandbox-Passw0rd!")
        set_password_last_used(ctx.account_id, "former-staff", days_ago=120, region=ctx.region)
        _enrol_mfa(iam, ctx.account_id, "former-staff")
        key = iam.create_access_key(UserName="former-staff")["AccessKey"]["AccessKeyId"]
        backdate_access_key(ctx.account_id, key, days=100, region=ctx.region)


def _enrol_mfa(iam: Any, account_id: str, user: str) -> None:
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
