import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from soc2ctl import registry
from tests.helpers import ModuleRun, deny, member_client, write_calls

FSBP = "aws-foundational-security-best-practices/v/1.0.0"
CIS = "cis-aws-foundations-benchmark/v/1.4.0"
CIS_120 = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"


def arn(standard: str, region: str = "us-east-1") -> str:
    return f"arn:aws:securityhub:{region}::standards/{standard}"


def hub_with(account_id: str, *standards: str, region: str = "us-east-1"):
    sh = member_client("securityhub", account_id, region)
    sh.enable_security_hub(EnableDefaultStandards=False)
    if standards:
        sh.batch_enable_standards(
            StandardsSubscriptionRequests=[{"StandardsArn": arn(s, region)} for s in standards]
        )
    return sh


def enabled(sh) -> set[str]:
    return {s["StandardsArn"] for s in sh.get_enabled_standards()["StandardsSubscriptions"]}


def test_compliant_is_noop(org):
    hub_with(org["alpha"], FSBP, CIS)
    result = ModuleRun("securityhub", {}, org["alpha"]).plan()
    assert result.action == "no-op", result.error


def test_absent_hub_is_enabled_with_only_the_chosen_standards(org):
    run = ModuleRun("securityhub", {}, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    assert [(c.path, c.before) for c in planned.changes] == [("hub", None)]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["securityhub:EnableSecurityHub", "securityhub:BatchEnableStandards"]
    sh = member_client("securityhub", org["beta"], "eu-west-1")
    assert enabled(sh) == {arn(FSBP, "eu-west-1"), arn(CIS, "eu-west-1")}  # no CIS 1.2.0 default
    with pytest.raises(ClientError, match="InvalidAccessException"):
        member_client("securityhub", org["beta"]).describe_hub()  # other regions untouched
    assert write_calls(run.apply()) == []


def test_drifted_missing_cis_is_subscribed(org):
    sh = hub_with(org["gamma"], FSBP)
    run = ModuleRun("securityhub", {}, org["gamma"])
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (f"hub.standards.[{arn(CIS)}]", False, True)
    ]
    assert write_calls(run.apply()) == ["securityhub:BatchEnableStandards"]
    assert enabled(sh) == {arn(FSBP), arn(CIS)}
    assert write_calls(run.apply()) == []


def test_unlisted_standards_are_left_alone_by_default(org):
    sh = member_client("securityhub", org["alpha"])
    sh.enable_security_hub()  # AWS defaults: FSBP and CIS 1.2.0
    run = ModuleRun("securityhub", {}, org["alpha"])
    assert [c.path for c in run.plan().changes] == [f"hub.standards.[{arn(CIS)}]"]
    run.apply()
    assert enabled(sh) == {arn(FSBP), arn(CIS), CIS_120}


def test_disable_unlisted_unsubscribes_extra_standards(org):
    sh = member_client("securityhub", org["alpha"])
    sh.enable_security_hub()
    run = ModuleRun("securityhub", {"disable_unlisted": True}, org["alpha"])
    assert sorted((c.path, c.before, c.after) for c in run.plan().changes) == [
        (f"hub.standards.[{CIS_120}]", True, False),
        (f"hub.standards.[{arn(CIS)}]", False, True),
    ]
    applied = run.apply()
    assert write_calls(applied) == ["securityhub:BatchEnableStandards", "securityhub:BatchDisableStandards"]
    assert enabled(sh) == {arn(FSBP), arn(CIS)}
    assert write_calls(run.apply()) == []


def test_full_arns_and_other_standards(org):
    hub_with(org["alpha"], FSBP)
    desired = {"standards": [arn(FSBP), "cis-aws-foundations-benchmark/v/3.0.0"]}
    run = ModuleRun("securityhub", desired, org["alpha"])
    assert [c.path for c in run.plan().changes] == [
        f"hub.standards.[{arn('cis-aws-foundations-benchmark/v/3.0.0')}]"
    ]
    assert run.apply().status == "changed"


def test_rejects_malformed_standard():
    with pytest.raises(ValidationError, match="not a standard id"):
        registry.get("securityhub").Params.model_validate({"standards": ["CIS 1.4"]})


def test_denied_standards_read_is_an_error_not_absent(org):
    hub_with(org["alpha"], FSBP, CIS)
    run = ModuleRun("securityhub", {}, org["alpha"])
    deny(run.sessions, "securityhub.GetEnabledStandards", code="AccessDeniedException")
    result = run.plan()
    assert result.action == "error" and "GetEnabledStandards" in result.error


def test_declared_actions_cover_every_call(org):
    member_client("securityhub", org["alpha"]).enable_security_hub()
    run = ModuleRun("securityhub", {"disable_unlisted": True}, org["alpha"])
    calls = {c.iam_action for c in run.apply().calls if c.service != "sts"}
    module = registry.get("securityhub")
    assert calls <= set(module.read_actions) | set(module.write_actions)
