"""Organization trail, drifted: logging, but without log file validation and without KMS encryption.

The bucket and its CloudTrail-only policy are in place (built with the module's own policy function, so the
seed cannot drift from what the control wants); the trail itself needs an update.
"""

import json

from remediations.org_cloudtrail import bucket_policy
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, SeedContext

SCOPE = "org"
TRAIL = "soc2ctl-organization-trail"


def seed(ctx: SeedContext) -> None:
    bucket = f"soc2ctl-cloudtrail-{MANAGEMENT_ACCOUNT}"
    org_id = ctx.client("organizations").describe_organization()["Organization"]["Id"]
    trail_arn = ctx.arn("cloudtrail", f"trail/{TRAIL}", account_id=MANAGEMENT_ACCOUNT)
    ctx.client("organizations").enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    s3 = ctx.client("s3")
    settings = (
        {} if ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    )
    s3.create_bucket(Bucket=bucket, **settings)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy(bucket, None, trail_arn, org_id)))
    cloudtrail = ctx.client("cloudtrail")
    cloudtrail.create_trail(
        Name=TRAIL,
        S3BucketName=bucket,
        IsOrganizationTrail=True,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=False,
    )
    cloudtrail.start_logging(Name=TRAIL)
