"""Small resources the edge seeds share (load balancers, certificates): created in the seed's account and
region, named by the seed so every module's seed owns its own resources."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from soc2ctl_sandbox.seed import SeedContext

PRIMARY = "us-east-1"  # edge resources are seeded in one region only: the sandbox stays fast


def subnets(ctx: SeedContext) -> list[str]:
    """Two subnets of the region's default VPC (an ALB needs two zones; a new VPC would bring a default
    security group that default-security-group-closed must then close)."""
    ec2 = ctx.client("ec2")
    found = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    return [s["SubnetId"] for s in sorted(found, key=lambda s: s["AvailabilityZone"])[:2]]


@functools.cache
def _certificate_pem() -> tuple[bytes, bytes]:
    """A self-signed P-256 certificate for app.example.com, valid 2025-2125, made once per process (an EC key
    is cheap; nothing secret is kept in the repository)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2025, 1, 1))
        .not_valid_after(datetime(2125, 1, 1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("app.example.com")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), private


def certificate(ctx: SeedContext) -> str:
    """The account's sandbox certificate, imported once: ISSUED from the start and valid for a century, so
    its state never changes between a plan and its apply (a requested one turns ISSUED after a delay in moto,
    and acm-certificate-expiry would see it change)."""
    acm = ctx.client("acm")
    found = acm.list_certificates(Includes={"keyTypes": ["EC_prime256v1"]})["CertificateSummaryList"]
    mine = [c["CertificateArn"] for c in found if c.get("DomainName") == "app.example.com"]
    if mine:
        return mine[0]
    cert, key = _certificate_pem()
    return acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]


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
