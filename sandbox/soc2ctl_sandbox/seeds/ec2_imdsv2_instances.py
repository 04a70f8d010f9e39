"""compliant: the account's instance (app-server, us-east-1) is in state; drifted: it is not; fresh: none.
See soc2ctl_sandbox.compute_seeds: one instance per account serves every EC2 instance control."""

from soc2ctl_sandbox.compute_seeds import app_instance, seeded
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if seeded(ctx):
        app_instance(ctx)
