from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    weak = ctx.posture == "drifted"
    ctx.client("iam").update_account_password_policy(
        MinimumPasswordLength=8 if weak else 16,
        RequireSymbols=not weak,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
        HardExpiry=False,
    )
