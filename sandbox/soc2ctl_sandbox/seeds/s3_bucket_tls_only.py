from soc2ctl_sandbox.data_seeds import app_bucket, app_bucket_name
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    app_bucket(ctx, "tls_only", policy=[_reader(ctx)])


def _reader(ctx: SeedContext) -> dict:
    """A statement of the bucket's own that the control must keep when it merges its deny."""
    return {
        "Sid": "AppRoleReads",
        "Effect": "Allow",
        "Principal": {"AWS": ctx.arn("iam", "role/app", region="")},
        "Action": "s3:GetObject",
        "Resource": ctx.arn("s3", f"{app_bucket_name(ctx, 'tls_only')}/*", region="", account_id=""),
    }
