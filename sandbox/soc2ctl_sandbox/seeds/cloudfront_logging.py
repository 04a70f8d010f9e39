"""A CloudFront distribution per account, logging to S3 unless drifted. fresh: no distributions."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    origin = {
        "Id": "site",
        "DomainName": f"site-{ctx.account_id}.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    config = {
        "CallerReference": f"soc2-site-{ctx.account_id}",
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
        "Comment": "soc2 sandbox site",
        "Enabled": True,
    }
    if ctx.posture != "drifted":
        bucket = f"soc2-cdn-logs-{ctx.account_id}.s3.amazonaws.com"
        config["Logging"] = {"Enabled": True, "IncludeCookies": False, "Bucket": bucket, "Prefix": ""}
    ctx.client("cloudfront", region="us-east-1").create_distribution(DistributionConfig=config)
