import pytest
from pydantic import ValidationError

from soc2ctl import registry
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "log-retention"


def group_arn(account: str, name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def retention(logs, name: str) -> int | None:
    (group,) = [
        g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name
    ]
    return group.get("retentionInDays")


def make_group(logs, name: str, days: int | None) -> None:
    logs.create_log_group(logGroupName=name)
    if days is not None:
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)


def test_compliant_is_noop_never_expire_and_longer_retention_are_kept(org):
    logs = member_client("logs", org["alpha"])
    make_group(logs, "/app/year", 365)
    make_group(logs, "/app/forever", None)
    make_group(logs, "/app/ten-years", 3653)
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op" and result.changes == []
    assert result.observed == {
        group_arn(org["alpha"], "/app/year"): {"retention_days": 365},
        group_arn(org["alpha"], "/app/forever"): {"retention_days": None},
        group_arn(org["alpha"], "/app/ten-years"): {"retention_days": 3653},
    }


def test_drifted_short_retention_is_raised_only_where_short(org):
    logs = member_client("logs", org["beta"], "eu-west-1")
    make_group(logs, "/app/short", 30)
    make_group(logs, "/app/ok", 400)
    run = ModuleRun(MODULE, {}, org["beta"], region="eu-west-1")
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (f"[{group_arn(org['beta'], '/app/short', 'eu-west-1')}].retention_days", 30, 365)
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["logs:PutRetentionPolicy"]
    assert (retention(logs, "/app/short"), retention(logs, "/app/ok")) == (365, 400)
    assert member_client("logs", org["beta"]).describe_log_groups()["logGroups"] == []


def test_custom_minimum(org):
    logs = member_client("logs", org["gamma"])
    make_group(logs, "/app/a", 365)
    run = ModuleRun(MODULE, {"min_retention_days": 731}, org["gamma"])
    assert [(c.before, c.after) for c in run.plan().changes] == [(365, 731)]
    run.apply()
    assert retention(logs, "/app/a") == 731


def test_no_log_groups_is_noop(org):
    assert ModuleRun(MODULE, {}, org["gamma"]).plan().action == "no-op"


def test_every_group_across_pages_is_fixed(org):
    logs = member_client("logs", org["alpha"])
    for i in range(7):
        make_group(logs, f"/app/{i}", 7)
    run = ModuleRun(MODULE, {}, org["alpha"])
    run.sessions.register(
        "before-parameter-build.logs.DescribeLogGroups", lambda params, **_: params.setdefault("limit", 3)
    )
    planned = run.plan()
    assert [c.operation for c in planned.calls].count("DescribeLogGroups") == 3
    assert len(planned.changes) == 7
    assert write_calls(run.apply()) == ["logs:PutRetentionPolicy"] * 7
    assert {retention(logs, f"/app/{i}") for i in range(7)} == {365}


@pytest.mark.parametrize("days", [0, 31, 366, 5000])
def test_minimum_aws_would_reject_is_refused_by_the_schema(days):
    with pytest.raises(ValidationError):
        registry.get(MODULE).Params.model_validate({"min_retention_days": days})


def test_moto_rejects_retention_values_aws_rejects(org):
    logs = member_client("logs", org["alpha"])
    logs.create_log_group(logGroupName="/x")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_retention_policy(logGroupName="/x", retentionInDays=31)
