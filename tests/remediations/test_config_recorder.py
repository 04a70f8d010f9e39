import pytest

from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "config-recorder"
BUCKET = "central-config"
PARAMS = {"delivery_bucket": BUCKET}


@pytest.fixture(autouse=True)
def central_bucket(request) -> None:
    """The delivery bucket (a precondition central-log-buckets provides), in the management account."""
    if "org" in request.fixturenames:
        request.getfixturevalue("org")
        member_client("s3", "123456789012").create_bucket(Bucket=BUCKET)


def slr(account: str) -> str:
    return f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def configure(config, account: str, *, global_types: bool, start: bool = True, bucket: str = BUCKET) -> None:
    """A configured account: its service-linked role, a recorder named main, a channel named central."""
    iam = member_client("iam", account)
    if not any(r["RoleName"] == "AWSServiceRoleForConfig" for r in iam.list_roles()["Roles"]):
        iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "main",
            "roleARN": slr(account),
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": global_types},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "central", "s3BucketName": bucket, "s3KeyPrefix": "cfg"}
    )
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName="main")


def test_compliant_is_noop_in_home_and_other_regions(org):
    configure(member_client("config", org["alpha"]), org["alpha"], global_types=True)
    configure(member_client("config", org["alpha"], "eu-west-1"), org["alpha"], global_types=False)
    for region in ("us-east-1", "eu-west-1"):
        result = ModuleRun(MODULE, PARAMS, org["alpha"], region=region).plan()
        assert result.action == "no-op", result.changes


def test_absent_recorder_is_created_started_and_delivering(org):
    run = ModuleRun(MODULE, PARAMS, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (
            "recorder",
            None,
            {"role_arn": slr(org["beta"]), "all_supported": True, "include_global_resource_types": False},
        ),
        ("delivery_channel", None, {"s3_bucket_name": BUCKET}),
        ("recording", None, True),
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == [
        "iam:CreateServiceLinkedRole",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:StartConfigurationRecorder",
    ]
    config = member_client("config", org["beta"], "eu-west-1")
    (recorder,) = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert recorder["name"] == "default" and recorder["roleARN"] == slr(org["beta"])
    assert recorder["recordingGroup"]["allSupported"] is True
    assert recorder["recordingGroup"]["includeGlobalResourceTypes"] is False
    assert config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"]
    assert config.describe_delivery_channels()["DeliveryChannels"][0]["s3BucketName"] == BUCKET
    assert member_client("iam", org["beta"]).get_role(RoleName="AWSServiceRoleForConfig")["Role"][
        "Arn"
    ] == slr(org["beta"])
    assert (
        member_client("config", org["beta"]).describe_configuration_recorders()["ConfigurationRecorders"]
        == []
    )


def test_home_region_records_global_types(org):
    run = ModuleRun(MODULE, PARAMS, org["gamma"])
    assert run.apply().status == "changed"
    (recorder,) = member_client("config", org["gamma"]).describe_configuration_recorders()[
        "ConfigurationRecorders"
    ]
    assert recorder["recordingGroup"]["includeGlobalResourceTypes"] is True


def test_drifted_stopped_recorder_is_started_and_nothing_else(org):
    config = member_client("config", org["gamma"])
    configure(config, org["gamma"], global_types=True, start=False)
    run = ModuleRun(MODULE, PARAMS, org["gamma"])
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [("recording", False, True)]
    assert write_calls(run.apply()) == ["config:StartConfigurationRecorder"]
    assert config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"]


def test_drifted_settings_are_updated_in_place_keeping_names_and_unmanaged_prefix(org):
    config = member_client("config", org["alpha"], "eu-west-1")
    configure(config, org["alpha"], global_types=True, bucket="old-bucket")
    run = ModuleRun(MODULE, PARAMS, org["alpha"], region="eu-west-1")
    assert [(c.path, c.before, c.after) for c in run.plan().changes] == [
        ("recorder.include_global_resource_types", True, False),
        ("delivery_channel.s3_bucket_name", "old-bucket", BUCKET),
    ]
    applied = run.apply()
    assert write_calls(applied) == ["config:PutConfigurationRecorder", "config:PutDeliveryChannel"]
    (recorder,) = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert recorder["name"] == "main" and recorder["recordingGroup"]["includeGlobalResourceTypes"] is False
    (channel,) = config.describe_delivery_channels()["DeliveryChannels"]
    assert (channel["name"], channel["s3BucketName"], channel["s3KeyPrefix"]) == ("central", BUCKET, "cfg")


def test_custom_role_needs_no_service_linked_role(org):
    role = f"arn:aws:iam::{org['alpha']}:role/config-recorder"
    run = ModuleRun(MODULE, {**PARAMS, "role_arn": role, "snapshot_frequency": "Six_Hours"}, org["alpha"])
    applied = run.apply()
    assert "iam:CreateServiceLinkedRole" not in write_calls(applied)
    config = member_client("config", org["alpha"])
    assert config.describe_configuration_recorders()["ConfigurationRecorders"][0]["roleARN"] == role
    (channel,) = config.describe_delivery_channels()["DeliveryChannels"]
    assert channel["configSnapshotDeliveryProperties"]["deliveryFrequency"] == "Six_Hours"


def test_existing_service_linked_role_is_reused(org):
    member_client("iam", org["beta"]).create_service_linked_role(AWSServiceName="config.amazonaws.com")
    applied = ModuleRun(MODULE, PARAMS, org["beta"]).apply()
    assert applied.status == "changed" and "iam:CreateServiceLinkedRole" not in write_calls(applied)


def test_missing_delivery_bucket_is_a_precondition_error_not_a_create(org):
    """AWS answers NoSuchBucketException (moto accepts it): the plan must say why, before any write."""
    run = ModuleRun(MODULE, {"delivery_bucket": "nobody-made-this"}, org["alpha"])
    planned = run.plan()
    assert planned.action == "error" and planned.changes == []
    assert "precondition not met: s3-bucket nobody-made-this: the bucket does not exist" in planned.error
    applied = run.apply()
    assert applied.status == "failed" and write_calls(applied) == []
