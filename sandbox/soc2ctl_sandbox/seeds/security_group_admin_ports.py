"""compliant: a web group open to the world on 443 only, SSH from the VPN range; drifted: a bastion group
with SSH open to 0.0.0.0/0 and RDP to ::/0 (plus the same web group); fresh: AWS's default groups only."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != "us-east-1":
        return
    ec2 = ctx.client("ec2")
    web = ec2.create_security_group(GroupName="web", Description="HTTPS from anywhere")["GroupId"]
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    vpn_ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.8.0.0/16"}]}
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[https, vpn_ssh])
    if ctx.posture != "drifted":
        return
    bastion = ec2.create_security_group(GroupName="bastion", Description="admin access")["GroupId"]
    ssh = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.8.0.0/16"}],
    }
    rdp = {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    ec2.authorize_security_group_ingress(GroupId=bastion, IpPermissions=[ssh, rdp])
