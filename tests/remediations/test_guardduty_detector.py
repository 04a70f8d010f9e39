from tests.helpers import ModuleRun, member_client, write_calls


def test_compliant_is_noop(org):
    member_client("guardduty", org["alpha"]).create_detector(
        Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES"
    )
    assert ModuleRun("guardduty-detector", {}, org["alpha"]).plan().action == "no-op"


def test_absent_detector_is_created_with_features(org):
    desired = {"features": {"S3_DATA_EVENTS": True}}
    run = ModuleRun("guardduty-detector", desired, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    assert planned.changes[0].path == "detector" and planned.changes[0].before is None
    assert write_calls(run.apply()) == ["guardduty:CreateDetector"]
    gd = member_client("guardduty", org["beta"], "eu-west-1")
    detector = gd.get_detector(DetectorId=gd.list_detectors()["DetectorIds"][0])
    assert detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"
    assert {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"} in detector["Features"]
    assert member_client("guardduty", org["beta"]).list_detectors()["DetectorIds"] == []


def test_drifted_frequency_is_updated_not_recreated(org):
    gd = member_client("guardduty", org["gamma"])
    detector_id = gd.create_detector(Enable=True, FindingPublishingFrequency="SIX_HOURS")["DetectorId"]
    run = ModuleRun("guardduty-detector", {}, org["gamma"])
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("detector.finding_publishing_frequency", "SIX_HOURS", "FIFTEEN_MINUTES")
    ]
    assert write_calls(run.apply()) == ["guardduty:UpdateDetector"]
    assert gd.list_detectors()["DetectorIds"] == [detector_id]
    assert write_calls(run.apply()) == []
