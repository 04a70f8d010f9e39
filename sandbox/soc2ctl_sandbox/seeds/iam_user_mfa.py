"""Console users and MFA: compliant accounts have a console user with a virtual MFA device and an API-only
user; drifted ones add a console user without MFA; fresh ones have no users."""

from typing import Any

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    iam = ctx.client("iam")
    _console_user(iam, "ops-alice", with_mfa=True)
    iam.create_user(UserName="svc-reporting")  # API only: no console password, out of scope
    if ctx.posture == "drifted":
        _console_user(iam, "ops-bob", with_mfa=False)


def _console_user(iam: Any, name: str, *, with_mfa: bool) -> None:
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Sandbox-Passw0rd!-not-secret")
    if with_mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
