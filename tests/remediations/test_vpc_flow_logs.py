import pytest
from pydantic import ValidationError

from soc2ctl import registry
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "vpc-flow-logs"
BUCKET = "central-flow-logs"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
S3 = {"s3_bucket_arn": BUCKET_ARN}
WANTED = {
    "traffic_type": "ALL",
    "destination_type": "s3",
    "destination": BUCKET_ARN,
    "max_aggregation_interval": 600,
}


@pytest.fixture
def bucket(org) -> str:
    """The central bucket, in the management account as in the sandbox (moto resolves it cross-account)."""
    member_client("s3", "123456789012").create_bucket(Bucket=BUCKET)
    return BUCKET_ARN


def vpc_ids(ec2) -> list[str]:
    return sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])


def vpc_arn(account: str, vpc_id: str, region: str = "us-east-1") -> str:
    return f"arn:aws:ec2:{region}:{account}:vpc/{vpc_id}"


def flow_logs(ec2, vpc_id: str) -> list[dict]:
    return ec2.describe_flow_logs(Filter=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def log_to_bucket(ec2, vpc_id: str, traffic: str = "ALL") -> None:
    ec2.create_flow_logs(
        ResourceType="VPC",
        ResourceIds=[vpc_id],
        TrafficType=traffic,
        LogDestinationType="s3",
        LogDestination=BUCKET_ARN,
        MaxAggregationInterval=600,
    )


def test_compliant_is_noop(org, bucket):
    ec2 = member_client("ec2", org["alpha"])
    for vpc_id in vpc_ids(ec2):
        log_to_bucket(ec2, vpc_id)
    result = ModuleRun(MODULE, S3, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.changes == []


def test_vpc_without_flow_logs_is_a_create_and_apply_creates_it(org, bucket):
    ec2 = member_client("ec2", org["beta"], "eu-west-1")
    (vpc_id,) = vpc_ids(ec2)
    run = ModuleRun(MODULE, S3, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (f"[{vpc_arn(org['beta'], vpc_id, 'eu-west-1')}].flow_log", None, WANTED)
    ]
    applied = run.apply()
    assert applied.status == "changed"
    assert write_calls(applied) == ["ec2:CreateFlowLogs"]
    (created,) = flow_logs(ec2, vpc_id)
    assert (created["TrafficType"], created["LogDestination"]) == ("ALL", BUCKET_ARN)
    assert flow_logs(member_client("ec2", org["beta"]), vpc_ids(member_client("ec2", org["beta"]))[0]) == []


def test_drifted_only_the_vpc_lacking_flow_logs_changes(org, bucket):
    ec2 = member_client("ec2", org["gamma"])
    ec2.create_vpc(CidrBlock="10.9.0.0/16")
    logged, bare = vpc_ids(ec2)
    log_to_bucket(ec2, logged)
    run = ModuleRun(MODULE, S3, org["gamma"])
    assert [(c.path, c.before, c.after) for c in run.plan().changes] == [
        (f"[{vpc_arn(org['gamma'], bare)}].flow_log", None, WANTED)
    ]
    assert write_calls(run.apply()) == ["ec2:CreateFlowLogs"]
    assert len(flow_logs(ec2, bare)) == 1 and len(flow_logs(ec2, logged)) == 1


def test_non_matching_flow_log_is_an_update_that_adds_one_and_keeps_it(org, bucket):
    ec2 = member_client("ec2", org["alpha"])
    (vpc_id,) = vpc_ids(ec2)
    ec2.create_flow_logs(
        ResourceType="VPC",
        ResourceIds=[vpc_id],
        TrafficType="REJECT",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="team-logs",
        DeliverLogsPermissionArn="arn:aws:iam::111111111111:role/flow",
    )
    run = ModuleRun(MODULE, S3, org["alpha"])
    planned = run.plan()
    assert planned.action == "update"
    where = f"[{vpc_arn(org['alpha'], vpc_id)}].flow_log"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (f"{where}.traffic_type", "REJECT", "ALL"),
        (f"{where}.destination_type", "cloud-watch-logs", "s3"),
        (f"{where}.destination", "team-logs", BUCKET_ARN),
    ]
    assert run.apply().status == "changed"
    assert sorted(f["TrafficType"] for f in flow_logs(ec2, vpc_id)) == ["ALL", "REJECT"]


def test_cloud_watch_logs_destination_creates_the_log_group_once(org):
    ec2 = member_client("ec2", org["beta"])
    ec2.create_vpc(CidrBlock="10.8.0.0/16")
    params = {
        "destination_type": "cloud-watch-logs",
        "log_group_name": "/soc2/{region}/vpc-flow-logs",
        "deliver_logs_permission_arn": f"arn:aws:iam::{org['beta']}:role/flow-logs",
        "max_aggregation_interval": 60,
    }
    run = ModuleRun(MODULE, params, org["beta"])
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["logs:CreateLogGroup", "ec2:CreateFlowLogs", "ec2:CreateFlowLogs"]
    groups = member_client("logs", org["beta"]).describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/soc2/us-east-1/vpc-flow-logs"]
    for vpc_id in vpc_ids(ec2):
        (created,) = flow_logs(ec2, vpc_id)
        assert created["LogGroupName"] == "/soc2/us-east-1/vpc-flow-logs"
        assert created["DeliverLogsStatus"] == "SUCCESS"
    assert write_calls(run.apply()) == []


def test_every_vpc_across_pages_is_reported(org, bucket):
    ec2 = member_client("ec2", org["gamma"])
    for i in range(6):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    vpcs = vpc_ids(ec2)
    log_to_bucket(ec2, vpcs[0])
    log_to_bucket(ec2, vpcs[-1])
    run = ModuleRun(MODULE, S3, org["gamma"])

    def small_pages(params, **_):
        params.setdefault("MaxResults", 5)  # moto (patched) honours MaxResults/NextToken as AWS does

    run.sessions.register("before-parameter-build.ec2.DescribeVpcs", small_pages)
    run.sessions.register(
        "before-parameter-build.ec2.DescribeFlowLogs", lambda params, **_: params.setdefault("MaxResults", 1)
    )
    planned = run.plan()
    operations = [c.operation for c in planned.calls]
    assert operations.count("DescribeVpcs") == 2 and operations.count("DescribeFlowLogs") == 2
    assert set(planned.observed) == {vpc_arn(org["gamma"], v) for v in vpcs}
    assert {c.path for c in planned.changes} == {f"[{vpc_arn(org['gamma'], v)}].flow_log" for v in vpcs[1:-1]}
    assert run.apply().status == "changed"
    assert all(len(flow_logs(ec2, v)) == 1 for v in vpcs)


def test_missing_bucket_is_a_precondition_error_before_any_write(org):
    """AWS (and moto) refuse flow logs to a bucket that does not exist: the plan says so, not `create`."""
    run = ModuleRun(MODULE, {"s3_bucket_arn": "arn:aws:s3:::no-such-bucket"}, org["alpha"])
    planned = run.plan()
    assert planned.action == "error" and planned.changes == []
    assert planned.error.startswith(
        f"account {org['alpha']} us-east-1: precondition not met: s3-bucket no-such-bucket"
    )
    assert "no control of this playbook provides it" in planned.error
    applied = run.apply()
    assert applied.status == "failed" and write_calls(applied) == []
    assert member_client("ec2", org["alpha"]).describe_flow_logs()["FlowLogs"] == []


def test_bucket_that_refuses_log_delivery_is_a_precondition_error(org, bucket):
    member_client("s3", "123456789012").put_bucket_policy(
        Bucket=BUCKET,
        Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", '
        f'"Resource": "arn:aws:s3:::{BUCKET}/*", "Condition": {{"Bool": {{"aws:SecureTransport": "false"}}}}}}]}}',
    )
    planned = ModuleRun(MODULE, S3, org["alpha"]).plan()
    assert planned.action == "error"
    assert "does not let delivery.logs.amazonaws.com deliver" in planned.error


@pytest.mark.parametrize(
    "params",
    [{}, {"s3_bucket_arn": "central-flow-logs"}, {"destination_type": "cloud-watch-logs"}],
)
def test_incomplete_destination_is_refused_by_the_schema(params):
    with pytest.raises(ValidationError):
        registry.get(MODULE).Params.model_validate(params)
