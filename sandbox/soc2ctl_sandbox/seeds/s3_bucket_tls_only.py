from soc2ctl_sandbox.data_seeds import bucket, drifted_here
from soc2ctl_sandbox.seed import REGIONS, SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: an application bucket with every bucket control in place (and its log bucket); drifted:
    the same, but without tls only in us-east-1; fresh: no buckets. Home region and member accounts only: buckets are the costliest
    resources to seed (one bucket here is ~9 calls), and one region shows the control."""
    if ctx.posture == "fresh" or ctx.region != REGIONS[0] or ctx.is_management:
        return
    name = f"app-tls-only-{ctx.account_id}-{ctx.region}"
    bucket(ctx, name, policy=[_reader(ctx)], drift="tls_only" if drifted_here(ctx) else None)


def _reader(ctx: SeedContext) -> dict:
    """A statement of the bucket's own that the control must keep when it merges its deny."""
    return {
        "Sid": "AppRoleReads",
        "Effect": "Allow",
        "Principal": {"AWS": ctx.arn("iam", "role/app", region="")},
        "Action": "s3:GetObject",
        "Resource": ctx.arn("s3", f"app-tls-only-{ctx.account_id}-{ctx.region}/*", region="", account_id=""),
    }
