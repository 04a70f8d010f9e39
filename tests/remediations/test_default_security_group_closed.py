from tests.helpers import ModuleRun, deny, member_client, write_calls

MODULE = "default-security-group-closed"
SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def default_groups(ec2) -> dict[str, dict]:
    found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])
    return {g["GroupId"]: g for g in found["SecurityGroups"]}


def close(ec2, group: dict) -> None:
    if group["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    if group["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])


def arn(account: str, group_id: str, region: str = "us-east-1") -> str:
    return f"arn:aws:ec2:{region}:{account}:security-group/{group_id}"


def test_moto_default_group_has_aws_self_referencing_rule(org):
    (group,) = default_groups(member_client("ec2", org["alpha"])).values()
    assert group["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"UserId": org["alpha"], "GroupId": group["GroupId"]}],
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]


def test_compliant_is_noop(org):
    ec2 = member_client("ec2", org["alpha"])
    for group in default_groups(ec2).values():
        close(ec2, group)
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.changes == []


def test_aws_defaults_are_revoked_as_deletes(org):
    ec2 = member_client("ec2", org["beta"], "eu-west-1")
    (group_id,) = default_groups(ec2)
    run = ModuleRun(MODULE, {}, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "delete"
    sg = arn(org["beta"], group_id, "eu-west-1")
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (f"[{sg}].ingress", [{"protocol": "all", "peer": group_id}], None),
        (f"[{sg}].egress", [{"protocol": "all", "peer": "0.0.0.0/0"}], None),
    ]
    applied = run.apply()
    assert applied.status == "changed"
    assert write_calls(applied) == ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"]
    group = default_groups(ec2)[group_id]
    assert group["IpPermissions"] == [] and group["IpPermissionsEgress"] == []
    # us-east-1 of the same account is untouched
    (untouched,) = default_groups(member_client("ec2", org["beta"])).values()
    assert untouched["IpPermissionsEgress"]


def test_drifted_group_gets_exactly_its_change(org):
    ec2 = member_client("ec2", org["gamma"])
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    groups = default_groups(ec2)
    for group in groups.values():
        close(ec2, group)
    opened = sorted(groups)[0]
    ec2.authorize_security_group_ingress(GroupId=opened, IpPermissions=[SSH])
    run = ModuleRun(MODULE, {}, org["gamma"])
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (
            f"[{arn(org['gamma'], opened)}].ingress",
            [{"protocol": "tcp", "from_port": 22, "to_port": 22, "peer": "0.0.0.0/0"}],
            None,
        )
    ]
    applied = run.apply()
    assert write_calls(applied) == ["ec2:RevokeSecurityGroupIngress"]
    assert default_groups(ec2)[opened]["IpPermissions"] == []


def test_rules_are_normalised_one_per_peer_and_sorted(org):
    ec2 = member_client("ec2", org["alpha"])
    (group_id,) = default_groups(ec2)
    wide = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "internal"}, {"CidrIp": "0.0.0.0/0"}],
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
    }
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[wide, SSH])
    observed = ModuleRun(MODULE, {}, org["alpha"]).plan().observed[arn(org["alpha"], group_id)]
    assert observed["ingress"] == [
        {"protocol": "all", "peer": group_id},
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "peer": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "10.0.0.0/8"},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "::/0"},
    ]
    assert ModuleRun(MODULE, {}, org["alpha"]).apply().status == "changed"
    assert default_groups(ec2)[group_id]["IpPermissions"] == []


def test_every_default_group_across_pages_is_reported(org):
    ec2 = member_client("ec2", org["beta"])
    for i in range(6):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    groups = default_groups(ec2)
    assert len(groups) == 7
    run = ModuleRun(MODULE, {}, org["beta"])

    def small_pages(params, **_):
        if "GroupIds" not in params:  # AWS refuses MaxResults together with GroupIds
            params.setdefault("MaxResults", 5)  # the smallest page AWS allows; moto (patched) honours it

    run.sessions.register("before-parameter-build.ec2.DescribeSecurityGroups", small_pages)
    planned = run.plan()
    assert set(planned.observed) == {arn(org["beta"], g) for g in groups}
    assert [c.operation for c in planned.calls].count("DescribeSecurityGroups") == 2
    assert len(planned.changes) == 14
    assert run.apply().status == "changed"
    assert all(not g["IpPermissions"] and not g["IpPermissionsEgress"] for g in default_groups(ec2).values())


def test_revoke_denied_fails_the_apply_and_names_the_operation(org):
    run = ModuleRun(MODULE, {}, org["alpha"])
    deny(run.sessions, "ec2.RevokeSecurityGroupEgress")
    result = run.apply()
    assert result.status == "failed"
    assert f"account {org['alpha']} us-east-1: AccessDenied" in result.error
    assert "RevokeSecurityGroupEgress" in result.error
