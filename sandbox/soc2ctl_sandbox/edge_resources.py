"""Small resources the edge seeds share (load balancers, certificates): created in the seed's account and
region, named by the seed so every module's seed owns its own resources."""

from __future__ import annotations

from typing import Any

from soc2ctl_sandbox.seed import SeedContext

PRIMARY = "us-east-1"  # edge resources are seeded in one region only: the sandbox stays fast


def subnets(ctx: SeedContext) -> list[str]:
    """Two subnets of the region's default VPC (an ALB needs two zones; a new VPC would bring a default
    security group that default-security-group-closed must then close)."""
    ec2 = ctx.client("ec2")
    found = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    return [s["SubnetId"] for s in sorted(found, key=lambda s: s["AvailabilityZone"])[:2]]


def certificate(ctx: SeedContext) -> str:
    """The account's sandbox certificate, requested once (moto makes a key pair for each: slow)."""
    acm = ctx.client("acm")
    found = acm.list_certificates()["CertificateSummaryList"]
    mine = [c["CertificateArn"] for c in found if c.get("DomainName") == "app.example.com"]
    return mine[0] if mine else acm.request_certificate(DomainName="app.example.com")["CertificateArn"]


def log_bucket(ctx: SeedContext) -> str:
    return f"soc2-elb-logs-{ctx.account_id}"


def alb(ctx: SeedContext, name: str, attributes: dict[str, str] | None = None) -> dict[str, Any]:
    """An ALB compliant with every ELB control (deletion protection, access logs) but for `attributes`:
    each seed drifts only its own control, so the whole baseline sees compliant accounts as compliant."""
    elbv2 = ctx.client("elbv2")
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets(ctx))["LoadBalancers"][0]
    compliant = {
        "deletion_protection.enabled": "true",
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": log_bucket(ctx),
    }
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Attributes=[{"Key": k, "Value": v} for k, v in {**compliant, **(attributes or {})}.items()],
    )
    return lb


def https_listener(ctx: SeedContext, lb: dict[str, Any], policy: str) -> None:
    elbv2 = ctx.client("elbv2")
    group = elbv2.create_target_group(
        Name=f"{lb['LoadBalancerName']}-tg", Protocol="HTTP", Port=80, VpcId=lb["VpcId"]
    )
    elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        SslPolicy=policy,
        Certificates=[{"CertificateArn": certificate(ctx)}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroups"][0]["TargetGroupArn"]}],
    )


def classic_elb(ctx: SeedContext, name: str, *, https: bool = False, logged: bool = True) -> None:
    listener = {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}
    if https:
        listener = {
            **listener,
            "Protocol": "HTTPS",
            "LoadBalancerPort": 443,
            "SSLCertificateId": certificate(ctx),
        }
    elb = ctx.client("elb")
    elb.create_load_balancer(
        LoadBalancerName=name, Listeners=[listener], AvailabilityZones=[f"{ctx.region}a"]
    )
    if logged:
        log = {"Enabled": True, "S3BucketName": log_bucket(ctx), "EmitInterval": 60}
        elb.modify_load_balancer_attributes(LoadBalancerName=name, LoadBalancerAttributes={"AccessLog": log})


def classic_ssl_policy(ctx: SeedContext, name: str, policy: str) -> None:
    elb = ctx.client("elb")
    elb.create_load_balancer_policy(
        LoadBalancerName=name,
        PolicyName="tls-policy",
        PolicyTypeName="SSLNegotiationPolicyType",
        PolicyAttributes=[{"AttributeName": "Reference-Security-Policy", "AttributeValue": policy}],
    )
    elb.set_load_balancer_policies_of_listener(
        LoadBalancerName=name, LoadBalancerPort=443, PolicyNames=["tls-policy"]
    )
