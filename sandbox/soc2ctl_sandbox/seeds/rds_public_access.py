"""compliant: the account's database (app-db, us-east-1) is in state; drifted: it is not; fresh: no database.
See soc2ctl_sandbox.compute_seeds: one database per account serves every RDS control."""

from soc2ctl_sandbox.compute_seeds import app_db, seeded
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if seeded(ctx):
        app_db(ctx)
