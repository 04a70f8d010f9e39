"""Module-specific behaviour of the EC2 controls of the compute group (the contract suite covers the rest):
detect-only defaults, which rules count as open to the internet, revokes that keep other sources, paging."""

from __future__ import annotations

import pytest

from remediations.security_group_admin_ports import DEFAULT_PORTS, exposed
from soc2ctl_sandbox.moto_ext.ssm_instance_information import register_managed_instance
from tests.helpers import ModuleRun, member_client, write_calls

SSH_WORLD = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def group_arn(account: str, group_id: str) -> str:
    return f"arn:aws:ec2:us-east-1:{account}:security-group/{group_id}"


def launch(ec2, count: int = 1, tokens: str = "optional") -> list[str]:
    found = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=count, MaxCount=count, MetadataOptions={"HttpTokens": tokens}
    )
    return [i["InstanceId"] for i in found["Instances"]]


@pytest.mark.parametrize(
    ("perm", "found"),
    [
        ({"IpProtocol": "-1"}, True),  # all traffic
        ({"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535}, True),  # Prowler's all-ports check
        ({"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100}, True),  # covers 8080, 8088
        ({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}, False),
        ({"IpProtocol": "udp", "FromPort": 22, "ToPort": 22}, False),  # Prowler tests TCP only
        ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}, False),
    ],
)
def test_which_rules_count_as_admin_ports(perm, found):
    assert exposed(perm, DEFAULT_PORTS) is found


def test_default_ports_hold_every_port_prowler_tests():
    prowler = {20, 21, 22, 23, 3389, 1433, 1434, 1521, 2483, 2484, 3306, 5432, 6379, 11211, 27017, 27018}
    prowler |= {7000, 7001, 7199, 9042, 9160, 8888, 9200, 9300, 5601, 9092, 88, 464, 749, 750, 389, 636, 139}
    prowler |= {25, 110, 135, 143, 445, 3000, 4333, 5000, 5500, 8080, 8088}  # ec2_high_risk_ports
    assert prowler <= set(DEFAULT_PORTS)


def test_open_groups_are_detected_by_default_and_revoke_keeps_other_sources(org):
    ec2 = member_client("ec2", org["alpha"])
    group = ec2.create_security_group(GroupName="bastion", Description="b")["GroupId"]
    office = {**SSH_WORLD, "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "198.51.100.0/24"}]}
    mongo = {"IpProtocol": "tcp", "FromPort": 27017, "ToPort": 27017, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[office, mongo, https])
    detect = ModuleRun("security-group-admin-ports", {}, org["alpha"])
    planned = detect.plan()
    assert planned.action == "detect"
    assert [c.path for c in planned.changes] == [f"[{group_arn(org['alpha'], group)}].internet_ingress"]
    assert planned.changes[0].before == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 27017, "to_port": 27017, "source": "::/0"},
    ]
    assert write_calls(detect.apply()) == []
    revoke = ModuleRun("security-group-admin-ports", {"revoke": True}, org["alpha"])
    assert revoke.apply().status == "changed"
    (left,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    rules = {(p["FromPort"], r["CidrIp"]) for p in left["IpPermissions"] for r in p["IpRanges"]}
    assert rules == {(22, "198.51.100.0/24"), (443, "0.0.0.0/0")}
    assert all(not p["Ipv6Ranges"] for p in left["IpPermissions"])


def test_a_narrower_port_list_leaves_other_ports_alone(org):
    ec2 = member_client("ec2", org["alpha"])
    group = ec2.create_security_group(GroupName="db", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{**SSH_WORLD, "FromPort": 5432, "ToPort": 5432}]
    )
    assert ModuleRun("security-group-admin-ports", {"ports": [22]}, org["alpha"]).plan().action == "no-op"


def test_imdsv2_detects_by_default_and_requires_by_parameter(org):
    ec2 = member_client("ec2", org["alpha"])
    old, new = launch(ec2), launch(ec2, tokens="required")
    planned = ModuleRun("ec2-imdsv2-instances", {}, org["alpha"]).plan()
    assert planned.action == "detect"
    assert [c.keys[0].rsplit("/", 1)[1] for c in planned.changes] == old
    fix = ModuleRun("ec2-imdsv2-instances", {"require": True}, org["alpha"])
    assert write_calls(fix.apply()) == ["ec2:ModifyInstanceMetadataOptions"]
    found = ec2.describe_instances(InstanceIds=old + new)["Reservations"]
    options = [i["MetadataOptions"] for r in found for i in r["Instances"]]
    assert {o["HttpTokens"] for o in options} == {"required"}
    assert {o["HttpEndpoint"] for o in options} == {"enabled"}  # left out of the request: kept, as in AWS


def test_ssm_managed_lists_running_instances_across_pages(org):
    ec2 = member_client("ec2", org["beta"])
    ids = launch(ec2, count=7)
    ec2.stop_instances(InstanceIds=ids[:1])  # stopped: the agent cannot report, Prowler passes it too
    for instance in ids[1:4]:
        register_managed_instance(org["beta"], "us-east-1", instance)
    run = ModuleRun("ec2-ssm-managed", {}, org["beta"])
    run.sessions.register(
        "before-parameter-build.ssm.DescribeInstanceInformation",
        lambda params, **_: params.setdefault("MaxResults", 5),
    )
    planned = run.plan()
    assert [c.operation for c in planned.calls].count("DescribeInstanceInformation") == 1
    assert planned.action == "detect"
    unmanaged = sorted(c.keys[0].rsplit("/", 1)[1] for c in planned.changes)
    assert unmanaged == sorted(ids[4:])
    assert len(planned.observed) == 6


def test_volumes_and_images_are_read_across_pages(org):
    ec2 = member_client("ec2", org["gamma"])
    for encrypted in (True, False, True, False, True, False, True):
        ec2.create_volume(AvailabilityZone="us-east-1a", Size=1, Encrypted=encrypted)
    (instance,) = launch(ec2, tokens="required")
    images = [ec2.create_image(InstanceId=instance, Name=f"image-{i}")["ImageId"] for i in range(6)]
    ec2.modify_image_attribute(ImageId=images[5], LaunchPermission={"Add": [{"Group": "all"}]})
    volumes = ModuleRun("ebs-volume-encryption", {}, org["gamma"])
    amis = ModuleRun("ec2-public-ami", {}, org["gamma"])
    for run, operation in ((volumes, "DescribeVolumes"), (amis, "DescribeImages")):
        run.sessions.register(
            f"before-parameter-build.ec2.{operation}", lambda params, **_: params.setdefault("MaxResults", 5)
        )
    planned = volumes.plan()
    assert len(planned.observed) == 8  # 7 made here + the instance's (unencrypted) root volume
    assert planned.action == "detect" and len(planned.changes) == 4
    assert [c.operation for c in planned.calls].count("DescribeVolumes") == 2
    public = amis.plan()
    assert len(public.observed) == 6 and [c.keys[0].rsplit("/", 1)[1] for c in public.changes] == [images[5]]
    assert [c.operation for c in public.calls].count("DescribeImages") == 2
    assert amis.apply().status == "changed"
    assert not ec2.describe_images(ImageIds=[images[5]])["Images"][0]["Public"]
