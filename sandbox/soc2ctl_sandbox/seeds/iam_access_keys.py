"""Access keys: compliant accounts have a CI user with a recent key; drifted ones also have a 200-day-old
active key and root access keys; fresh ones have none. Key age and root keys cannot be set through any API,
so they are set on moto's IAM backend directly (the seeds run in the sandbox server's process)."""

from soc2ctl_sandbox.moto_ext.iam_account import backdate_access_key, set_root_access_keys
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    iam = ctx.client("iam")
    iam.create_user(UserName="ci-deploy")
    iam.create_access_key(UserName="ci-deploy")
    if ctx.posture == "drifted":
        iam.create_user(UserName="legacy-etl")
        old = iam.create_access_key(UserName="legacy-etl")["AccessKey"]["AccessKeyId"]
        backdate_access_key(ctx.account_id, old, days=200, region=ctx.region)
        set_root_access_keys(ctx.account_id, True, ctx.region)
