"""Root MFA: compliant accounts have it (hardware in the management account, an app elsewhere); drifted and
fresh ones have none. No API enrols root MFA, so the state is set on moto's IAM backend directly (the seeds
run in the sandbox server's process)."""

from soc2ctl_sandbox.moto_ext.iam_account import set_root_mfa
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "compliant":
        set_root_mfa(ctx.account_id, "hardware" if ctx.is_management else "virtual", ctx.region)
