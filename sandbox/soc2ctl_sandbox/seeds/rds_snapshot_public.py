"""A manual snapshot of the account's database: compliant shares it with one named account, drifted makes it
public (restorable by any AWS account); fresh: none."""

from soc2ctl_sandbox.compute_seeds import DB_ID, app_db, seeded
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if not seeded(ctx):
        return
    app_db(ctx)
    rds = ctx.client("rds")
    rds.create_db_snapshot(DBInstanceIdentifier=DB_ID, DBSnapshotIdentifier=f"{DB_ID}-before-migration")
    share = ["all"] if ctx.posture == "drifted" else ["111122223333"]
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier=f"{DB_ID}-before-migration", AttributeName="restore", ValuesToAdd=share
    )
