from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, REGIONS, SeedContext

SCOPE = "region"

# The playbook's default destination (vars `flow_logs_bucket: null`): one central bucket per organization.
BUCKET = f"soc2ctl-vpc-flow-logs-{MANAGEMENT_ACCOUNT}"


def seed(ctx: SeedContext) -> None:
    """The central bucket (management account, seeded first); compliant: every VPC logs to it as the
    playbook asks; drifted: a second VPC without flow logs in us-east-1; fresh: nothing."""
    ec2 = ctx.client("ec2")
    if ctx.is_management and ctx.region == REGIONS[0]:
        ctx.client("s3").create_bucket(Bucket=BUCKET)
    if ctx.posture == "fresh":
        return
    for vpc in ec2.describe_vpcs()["Vpcs"]:  # moto's default VPC of this region
        ec2.create_flow_logs(
            ResourceType="VPC",
            ResourceIds=[vpc["VpcId"]],
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=ctx.arn("s3", BUCKET, region="", account_id=""),
            MaxAggregationInterval=600,
        )
    if ctx.posture == "drifted" and ctx.region == "us-east-1":
        ec2.create_vpc(CidrBlock="10.20.0.0/16")
