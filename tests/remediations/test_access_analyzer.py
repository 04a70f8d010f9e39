import boto3
import pytest
from botocore.exceptions import ClientError

from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import ModuleRun, create_org, member_client, write_calls

MODULE = "access-analyzer"
NAME = "soc2ctl-access-analyzer"


def analyzers(account_id, region="us-east-1", endpoint=None):
    client = member_client("accessanalyzer", account_id, region, endpoint)
    return {a["name"]: a["type"] for a in client.list_analyzers()["analyzers"]}


def register_admin(account_id):
    org = member_client("organizations", MANAGEMENT_ACCOUNT)
    org.enable_aws_service_access(ServicePrincipal="access-analyzer.amazonaws.com")
    org.register_delegated_administrator(
        AccountId=account_id, ServicePrincipal="access-analyzer.amazonaws.com"
    )


def changes(result):
    return [(c.path, c.before, c.after) for c in result.changes]


def test_any_account_analyzer_is_compliant(org):
    member_client("accessanalyzer", org["alpha"]).create_analyzer(analyzerName="theirs", type="ACCOUNT")
    result = ModuleRun(MODULE, {}, org["alpha"]).plan()
    assert result.action == "no-op"
    assert result.observed == {"us-east-1": {"name": "theirs", "type": "ACCOUNT"}}


def test_unused_access_analyzer_is_not_enough(org):
    client = member_client("accessanalyzer", org["beta"])
    client.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")
    run = ModuleRun(MODULE, {}, org["beta"])
    assert changes(run.plan()) == [("us-east-1", None, {"name": NAME, "type": "ACCOUNT"})]
    assert run.apply().status == "changed"
    assert analyzers(org["beta"]) == {"unused": "ACCOUNT_UNUSED_ACCESS", NAME: "ACCOUNT"}


def test_absent_analyzer_is_created_in_each_listed_region(org):
    member_client("accessanalyzer", org["gamma"], "eu-west-1").create_analyzer(
        analyzerName="x", type="ACCOUNT"
    )
    run = ModuleRun(MODULE, {"regions": ["us-east-1", "eu-west-1"]}, org["gamma"])
    planned = run.plan()
    assert planned.action == "create"
    assert changes(planned) == [("us-east-1", None, {"name": NAME, "type": "ACCOUNT"})]
    applied = run.apply()
    assert applied.status == "changed" and write_calls(applied) == ["access-analyzer:CreateAnalyzer"]
    assert analyzers(org["gamma"]) == {NAME: "ACCOUNT"}
    assert analyzers(org["gamma"], "eu-west-1") == {"x": "ACCOUNT"}


def test_organization_analyzer_only_in_the_admin_account(org):
    register_admin(org["alpha"])
    params = {"type": "ORGANIZATION", "admin_account_id": org["alpha"]}
    elsewhere = ModuleRun(MODULE, params, org["beta"]).plan()
    assert elsewhere.action == "no-op" and elsewhere.calls == []
    assert elsewhere.observed == {"organization_analyzer_account": org["alpha"]}
    run = ModuleRun(MODULE, params, org["alpha"])
    assert changes(run.plan()) == [("us-east-1", None, {"name": NAME, "type": "ORGANIZATION"})]
    assert run.apply().status == "changed"
    assert analyzers(org["alpha"]) == {NAME: "ORGANIZATION"}
    assert write_calls(run.apply()) == []
    # Its zone of trust includes the account, so it also satisfies an account-level control there.
    assert ModuleRun(MODULE, {}, org["alpha"]).plan().action == "no-op"


def test_organization_analyzer_defaults_to_the_management_account(org):
    run = ModuleRun(MODULE, {"type": "ORGANIZATION"}, MANAGEMENT_ACCOUNT)
    assert run.apply().status == "changed"
    assert analyzers(MANAGEMENT_ACCOUNT) == {NAME: "ORGANIZATION"}


def test_an_account_analyzer_does_not_satisfy_the_organization_control(org):
    register_admin(org["alpha"])
    member_client("accessanalyzer", org["alpha"]).create_analyzer(analyzerName="acct", type="ACCOUNT")
    params = {"type": "ORGANIZATION", "admin_account_id": org["alpha"]}
    assert ModuleRun(MODULE, params, org["alpha"]).plan().action == "create"


def test_organization_analyzer_needs_the_delegated_administrator(org):
    result = ModuleRun(MODULE, {"type": "ORGANIZATION", "admin_account_id": org["beta"]}, org["beta"]).apply()
    assert result.status == "failed"
    assert f"account {org['beta']}" in result.error and "ValidationException" in result.error
    assert "CreateAnalyzer" in result.error


# ---------------------------------------------------------------- the moto extension itself


def exercise_backend(client):
    """What AWS enforces and answers, as far as the module relies on it."""
    assert client.list_analyzers()["analyzers"] == []
    arn = client.create_analyzer(analyzerName="one", type="ACCOUNT", tags={"k": "v"})["arn"]
    assert arn.startswith("arn:aws:access-analyzer:us-east-1:") and arn.endswith(":analyzer/one")
    got = client.get_analyzer(analyzerName="one")["analyzer"]
    assert (got["name"], got["type"], got["status"], got["tags"]) == ("one", "ACCOUNT", "ACTIVE", {"k": "v"})
    for name, kind, code in (
        ("one", "ORGANIZATION", "ConflictException"),
        ("two", "ACCOUNT", "ServiceQuota"),
    ):
        with pytest.raises(ClientError, match=code):
            client.create_analyzer(analyzerName=name, type=kind)
    for i in range(5):
        client.create_analyzer(analyzerName=f"org{i}", type="ORGANIZATION")
    with pytest.raises(ClientError, match="ServiceQuotaExceeded"):
        client.create_analyzer(analyzerName="org5", type="ORGANIZATION")
    pages = list(client.get_paginator("list_analyzers").paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3 and sum(len(p["analyzers"]) for p in pages) == 6
    assert len(client.list_analyzers(type="ORGANIZATION")["analyzers"]) == 5
    client.delete_analyzer(analyzerName="one")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_analyzer(analyzerName="one")


def test_backend_in_process(org):
    exercise_backend(member_client("accessanalyzer", MANAGEMENT_ACCOUNT))


def test_backend_and_module_through_a_moto_server(server):
    ids = create_org(server.endpoint, ["alpha"])
    exercise_backend(boto3.client("accessanalyzer", endpoint_url=server.endpoint))
    run = ModuleRun(MODULE, {}, ids["alpha"])
    assert run.plan().action == "create"
    assert run.apply().status == "changed"
    assert analyzers(ids["alpha"], endpoint=server.endpoint) == {NAME: "ACCOUNT"}
    assert run.plan().action == "no-op"


def test_reset_clears_analyzers(server):
    boto3.client("accessanalyzer", endpoint_url=server.endpoint).create_analyzer(
        analyzerName="a", type="ACCOUNT"
    )
    server.reset()
    assert boto3.client("accessanalyzer", endpoint_url=server.endpoint).list_analyzers()["analyzers"] == []
