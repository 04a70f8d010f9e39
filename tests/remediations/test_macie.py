import pytest
from botocore.exceptions import ClientError

from soc2ctl import registry
from tests.helpers import ModuleRun, deny, member_client, write_calls


def changes(result) -> list[tuple]:
    return [(c.path, c.before, c.after) for c in result.changes]


def test_compliant_is_noop(org):
    member_client("macie2", org["alpha"]).enable_macie(
        status="ENABLED", findingPublishingFrequency="FIFTEEN_MINUTES"
    )
    result = ModuleRun("macie", {}, org["alpha"]).plan()
    assert result.action == "no-op", result.error


def test_absent_macie_is_enabled(org):
    run = ModuleRun("macie", {}, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "create"
    assert changes(planned) == [
        ("macie", None, {"enabled": True, "finding_publishing_frequency": "FIFTEEN_MINUTES"})
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["macie2:EnableMacie"]
    session = member_client("macie2", org["beta"], "eu-west-1").get_macie_session()
    assert (session["status"], session["findingPublishingFrequency"]) == ("ENABLED", "FIFTEEN_MINUTES")
    with pytest.raises(ClientError, match="Macie is not enabled"):
        member_client("macie2", org["beta"]).get_macie_session()  # other regions untouched
    assert write_calls(run.apply()) == []


def test_drifted_session_is_updated_not_re_enabled(org):
    macie = member_client("macie2", org["gamma"])
    macie.enable_macie(status="PAUSED", findingPublishingFrequency="SIX_HOURS")
    run = ModuleRun("macie", {"finding_publishing_frequency": "ONE_HOUR"}, org["gamma"])
    assert changes(run.plan()) == [
        ("macie.enabled", False, True),
        ("macie.finding_publishing_frequency", "SIX_HOURS", "ONE_HOUR"),
    ]
    assert write_calls(run.apply()) == ["macie2:UpdateMacieSession"]
    session = macie.get_macie_session()
    assert (session["status"], session["findingPublishingFrequency"]) == ("ENABLED", "ONE_HOUR")
    assert write_calls(run.apply()) == []


def test_paused_wanted_and_macie_off_is_noop(org):
    assert ModuleRun("macie", {"enabled": False}, org["alpha"]).plan().action == "no-op"


def test_iam_denial_with_macie_code_is_not_mistaken_for_disabled(org):
    # AWS says "Macie is off" with AccessDeniedException too; only that message may read as absent.
    run = ModuleRun("macie", {}, org["alpha"])
    deny(run.sessions, "macie2.GetMacieSession", code="AccessDeniedException")
    result = run.plan()
    assert result.action == "error" and "GetMacieSession" in result.error


def test_declared_actions_cover_every_call(org):
    module = registry.get("macie")
    calls = {c.iam_action for c in ModuleRun("macie", {}, org["alpha"]).apply().calls if c.service != "sts"}
    assert calls <= set(module.read_actions) | set(module.write_actions)
