from botocore.awsrequest import AWSResponse

from soc2ctl import registry
from tests.helpers import ModuleRun, member_client, write_calls

ALL = ["EC2", "ECR", "LAMBDA"]


def changes(result) -> list[tuple]:
    return [(c.path, c.before, c.after) for c in result.changes]


def scans(account_id: str, region: str = "us-east-1") -> dict[str, str]:
    client = member_client("inspector2", account_id, region)
    state = client.batch_get_account_status(accountIds=[account_id])["accounts"][0]["resourceState"]
    return {k: v["status"] for k, v in state.items()}


def test_compliant_is_noop(org):
    member_client("inspector2", org["alpha"]).enable(accountIds=[org["alpha"]], resourceTypes=ALL)
    result = ModuleRun("inspector", {}, org["alpha"]).plan()
    assert result.action == "no-op", result.error


def test_absent_inspector_is_enabled(org):
    run = ModuleRun("inspector", {}, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    assert changes(planned) == [("scans", None, {"EC2": True, "ECR": True, "LAMBDA": True})]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["inspector2:Enable"]
    assert scans(org["beta"], "eu-west-1") == {
        "ec2": "ENABLED",
        "ecr": "ENABLED",
        "lambda": "ENABLED",
        "lambdaCode": "DISABLED",
    }
    assert set(scans(org["beta"]).values()) == {"DISABLED"}  # other regions untouched
    assert write_calls(run.apply()) == []


def test_drifted_missing_scan_types_are_enabled(org):
    member_client("inspector2", org["gamma"]).enable(accountIds=[org["gamma"]], resourceTypes=["EC2"])
    run = ModuleRun("inspector", {}, org["gamma"])
    assert changes(run.plan()) == [("scans.ECR", False, True), ("scans.LAMBDA", False, True)]
    assert write_calls(run.apply()) == ["inspector2:Enable"]
    assert scans(org["gamma"])["ecr"] == scans(org["gamma"])["lambda"] == "ENABLED"
    assert write_calls(run.apply()) == []


def test_scan_type_set_false_is_disabled(org):
    member_client("inspector2", org["alpha"]).enable(accountIds=[org["alpha"]], resourceTypes=ALL)
    run = ModuleRun("inspector", {"scans": {"EC2": True, "LAMBDA": False}}, org["alpha"])
    assert changes(run.plan()) == [("scans.LAMBDA", True, False)]
    assert write_calls(run.apply()) == ["inspector2:Disable"]
    assert scans(org["alpha"])["lambda"] == "DISABLED" and scans(org["alpha"])["ecr"] == "ENABLED"


def test_only_off_wanted_and_inspector_off_is_noop(org):
    assert ModuleRun("inspector", {"scans": {"LAMBDA": False}}, org["alpha"]).plan().action == "no-op"


def test_per_account_failure_in_a_200_answer_is_an_error(org):
    run = ModuleRun("inspector", {}, org["alpha"])

    def failed_account(model, **_):
        if model.name == "BatchGetAccountStatus":
            failure = {"accountId": org["alpha"], "errorCode": "ACCESS_DENIED", "errorMessage": "denied"}
            parsed = {
                "accounts": [],
                "failedAccounts": [failure],
                "ResponseMetadata": {"HTTPStatusCode": 200},
            }
            return AWSResponse("https://fault.invalid", 200, {}, None), parsed
        return None

    run.sessions.register("before-call", failed_account)
    result = run.plan()
    assert result.action == "error"
    assert "ACCESS_DENIED" in result.error and "BatchGetAccountStatus" in result.error


def test_declared_actions_cover_every_call(org):
    member_client("inspector2", org["alpha"]).enable(accountIds=[org["alpha"]], resourceTypes=ALL)
    module = registry.get("inspector")
    run = ModuleRun("inspector", {"scans": {"EC2": True, "LAMBDA": False, "LAMBDA_CODE": True}}, org["alpha"])
    calls = {c.iam_action for c in run.apply().calls if c.service != "sts"}
    assert calls <= set(module.read_actions) | set(module.write_actions)
