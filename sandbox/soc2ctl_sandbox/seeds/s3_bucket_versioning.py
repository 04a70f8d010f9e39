from soc2ctl_sandbox.data_seeds import app_bucket
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    app_bucket(ctx, "versioning")
