"""elb-tls-policy: detect by default, naming ALB listeners by ARN and classic listeners by load balancer
and port; a classic listener with no negotiation policy of a predefined kind is not compliant."""

from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "elb-tls-policy"


def test_default_detects_old_policies_on_both_generations(org):
    account = org["alpha"]
    ec2, elbv2 = member_client("ec2", account), member_client("elbv2", account)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["DefaultForAz"]][:2]
    lb = elbv2.create_load_balancer(Name="shop", Subnets=subnets)["LoadBalancers"][0]
    group = elbv2.create_target_group(Name="shop", Protocol="HTTP", Port=80, VpcId=lb["VpcId"])
    cert = member_client("acm", account).request_certificate(DomainName="shop.example.com")["CertificateArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        SslPolicy="ELBSecurityPolicy-2016-08",
        Certificates=[{"CertificateArn": cert}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroups"][0]["TargetGroupArn"]}],
    )["Listeners"][0]["ListenerArn"]
    https = {"Protocol": "HTTPS", "LoadBalancerPort": 8443, "InstanceProtocol": "HTTP", "InstancePort": 80}
    member_client("elb", account).create_load_balancer(
        LoadBalancerName="legacy",
        Listeners=[
            {**https, "SSLCertificateId": cert},
            {**https, "Protocol": "HTTP", "LoadBalancerPort": 80},
        ],
        AvailabilityZones=["us-east-1a"],
    )
    run = ModuleRun(MODULE, {}, account)
    planned = run.plan()
    assert planned.action == "detect"
    classic = f"arn:aws:elasticloadbalancing:us-east-1:{account}:loadbalancer/legacy/listener/8443"
    assert {c.keys[0]: c.before for c in planned.changes} == {listener: False, classic: False}
    assert planned.observed[listener]["policy"] == "ELBSecurityPolicy-2016-08"
    assert planned.observed[classic]["policy"] is None  # no Reference-Security-Policy: a custom or no policy
    assert write_calls(run.apply()) == []
