"""Small resources the edge seeds share (load balancers, certificates): created in the seed's account and
region, named by the seed so every module's seed owns its own resources."""

from __future__ import annotations

from typing import Any

from soc2ctl_sandbox.seed import SeedContext

PRIMARY = "us-east-1"  # edge resources are seeded in one region only: the sandbox stays fast


def subnets(ctx: SeedContext) -> list[str]:
    """Two subnets of a fresh VPC (an ALB needs two availability zones)."""
    ec2 = ctx.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{ctx.region}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("ab", start=1)
    ]


def certificate(ctx: SeedContext) -> str:
    return ctx.client("acm").request_certificate(DomainName="app.example.com")["CertificateArn"]


def alb(ctx: SeedContext, name: str, attributes: dict[str, str] | None = None) -> dict[str, Any]:
    elbv2 = ctx.client("elbv2")
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets(ctx))["LoadBalancers"][0]
    if attributes:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()],
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


def classic_elb(ctx: SeedContext, name: str, *, https: bool = False) -> None:
    listener = {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}
    if https:
        listener = {
            **listener,
            "Protocol": "HTTPS",
            "LoadBalancerPort": 443,
            "SSLCertificateId": certificate(ctx),
        }
    ctx.client("elb").create_load_balancer(
        LoadBalancerName=name, Listeners=[listener], AvailabilityZones=[f"{ctx.region}a"]
    )


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
