"""org-cloudtrail's S3 data events (`s3_data_events`): written as advanced event selectors, keeping the
trail's other selectors, never logging fewer events than the trail already does."""

from tests.helpers import ModuleRun, write_calls
from tests.remediations.test_org_cloudtrail import MODULE, TRAIL, client, compliant_setup

LAMBDA = {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda:us-east-1:123456789012:function:pay"]}


def selectors() -> list[dict]:
    return client("cloudtrail").get_event_selectors(TrailName=TRAIL)["AdvancedEventSelectors"]


def test_write_events_are_added_and_other_selectors_kept(org):
    compliant_setup()
    client("cloudtrail").put_event_selectors(
        TrailName=TRAIL,
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [LAMBDA]}],
    )
    run = ModuleRun(MODULE, {"s3_data_events": "write"})
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [("trail.s3_data_events", [], ["write"])]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["cloudtrail:PutEventSelectors"]
    fields = {
        s["Name"]: {f["Field"]: f.get("Equals") or f.get("StartsWith") for f in s["FieldSelectors"]}
        for s in selectors()
    }
    assert fields["Management events"] == {"eventCategory": ["Management"]}
    assert fields["AWS::Lambda::Function data events"]["resources.ARN"] == LAMBDA["Values"]
    assert fields["soc2ctl: S3 data events"] == {
        "eventCategory": ["Data"],
        "resources.type": ["AWS::S3::Object"],
        "readOnly": ["false"],
    }
    assert run.plan().action == "no-op"
    assert write_calls(run.apply()) == []


def test_a_trail_logging_all_s3_events_is_never_narrowed(org):
    compliant_setup()
    all_s3 = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
    ]
    client("cloudtrail").put_event_selectors(
        TrailName=TRAIL, AdvancedEventSelectors=[{"Name": "all s3", "FieldSelectors": all_s3}]
    )
    planned = ModuleRun(MODULE, {"s3_data_events": "read"}).plan()
    assert planned.action == "no-op", planned.changes
    assert planned.observed["trail"]["s3_data_events"] == ["read", "write"]


def test_one_bucket_only_is_not_every_bucket(org):
    compliant_setup()
    one = [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::payroll/"]}]
    client("cloudtrail").put_event_selectors(
        TrailName=TRAIL,
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": one}],
    )
    planned = ModuleRun(MODULE, {"s3_data_events": "all"}).plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("trail.s3_data_events", [], ["read", "write"])
    ]
