"""`soc2ctl drift` end to end: the real CLI against a moto-server organization, evidence in a tmp directory.

A first drift run records everything in state; then settings are changed by hand. The next run must call
them drift (not never-compliant), restore the auto_remediate control and only report the other, send one SNS
message, and hold one Security Hub finding per task still out of state, resolved once it is fixed. A
blast-radius breach must apply nothing (checked by reading each account) and alert.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from moto.sns.models import sns_backends
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.evidence.sinks import LocalSink
from soc2ctl.evidence.verify import verify
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import STRONG_PASSWORD_POLICY, create_org, member_client

NAMES = ["a1", "a2", "a3"]
STRONG = STRONG_PASSWORD_POLICY
PAB = {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}
PLAYBOOK = """\
name: drift
hosts: all
controls:
  - {id: iam-password-policy, remediation: iam-password-policy, criteria: [CC6.1], auto_remediate: true}
  - {id: s3-account-public-access-block, remediation: s3-account-public-access-block, risk: high}
"""
INVENTORY = "organization: {discover: true}\nregions: [us-east-1]\n"

runner = CliRunner()


@pytest.fixture
def org(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Three compliant member accounts, a topic and a Security Hub in the management account."""
    monkeypatch.chdir(tmp_path)  # any default ./evidence of other commands stays in tmp
    ids = create_org(server.endpoint, NAMES)
    for account_id in ids.values():
        set_password(server.endpoint, account_id, 14)
        set_pab(server.endpoint, account_id, True)
    topic = member_client("sns", MANAGEMENT_ACCOUNT, endpoint=server.endpoint).create_topic(Name="drift")
    member_client("securityhub", MANAGEMENT_ACCOUNT, endpoint=server.endpoint).enable_security_hub()
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return {
        "ids": ids,
        "ep": server.endpoint,
        "pb": str(tmp_path / "pb.yml"),
        "inv": str(tmp_path / "inv.yml"),
        "evidence": str(tmp_path / "evidence"),
        "topic": topic["TopicArn"],
    }


def set_password(endpoint: str, account_id: str, length: int) -> None:
    member_client("iam", account_id, endpoint=endpoint).update_account_password_policy(
        **{**STRONG, "MinimumPasswordLength": length}
    )


def set_pab(endpoint: str, account_id: str, on: bool) -> None:
    member_client("s3control", account_id, endpoint=endpoint).put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration={k: on for k in PAB}
    )


def password_length(org: dict[str, Any], name: str) -> int:
    iam = member_client("iam", org["ids"][name], endpoint=org["ep"])
    return iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"]


def drift(org: dict[str, Any], *extra: str, code: int | None = None) -> dict[str, Any]:
    args = ["drift", org["pb"], "-i", org["inv"], "--evidence", org["evidence"], *extra]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def tasks(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["account_name"], t["control"]): t for t in doc["tasks"]}


def sent(org: dict[str, Any]) -> list[Any]:
    return sns_backends[MANAGEMENT_ACCOUNT]["us-east-1"].topics[org["topic"]].sent_notifications


def findings(org: dict[str, Any]) -> dict[str, dict[str, Any]]:
    hub = member_client("securityhub", MANAGEMENT_ACCOUNT, endpoint=org["ep"])
    return {f["Id"]: f for f in hub.get_findings()["Findings"] if f["Id"].startswith("soc2ctl/")}


PW, PAB_ID = "iam-password-policy", "s3-account-public-access-block"


def test_drift_is_reported_remediated_notified_and_resolved(org):
    ids, notify = org["ids"], ["--notify", f"sns:{org['topic']}", "--findings", "securityhub"]
    first = drift(org, code=0)
    assert first["summary"]["in_state"] == 6 and first["tasks"] == []

    set_password(org["ep"], ids["a1"], 8)  # by hand, on an auto_remediate control
    set_pab(org["ep"], ids["a2"], False)  # by hand, on a control a person must fix
    second = drift(org, "--remediate", *notify, code=2)
    found = tasks(second)
    assert set(found) == {("a1", PW), ("a2", PAB_ID)}
    assert found[("a1", PW)]["classification"] == "drift" and found[("a1", PW)]["remediation"] == "applied"
    assert found[("a1", PW)]["since"] and found[("a1", PW)]["state_after"] == "in"
    assert found[("a2", PAB_ID)]["classification"] == "drift"
    assert (
        found[("a2", PAB_ID)]["remediation"] == "not-auto" and found[("a2", PAB_ID)]["state_after"] == "out"
    )
    summary = second["summary"]
    assert (summary["drift"], summary["remediated"], summary["still_out"]) == (2, 1, 1)
    assert password_length(org, "a1") == 14  # restored, read back from AWS
    s3 = member_client("s3control", ids["a2"], endpoint=org["ep"])
    assert not s3.get_public_access_block(AccountId=ids["a2"])["PublicAccessBlockConfiguration"][
        "BlockPublicAcls"
    ]

    messages = sent(org)
    assert len(messages) == 1
    _, body, subject, _, _ = messages[0]
    assert "2 drift" in subject and json.loads(body)["run_id"] == second["run_id"]
    hub = findings(org)
    assert set(hub) == {f"soc2ctl/{PAB_ID}/{ids['a2']}/-"}
    finding = hub[f"soc2ctl/{PAB_ID}/{ids['a2']}/-"]
    assert finding["Compliance"]["Status"] == "FAILED" and finding["Workflow"]["Status"] == "NEW"
    assert finding["Severity"]["Label"] == "HIGH" and finding["AwsAccountId"] == MANAGEMENT_ACCOUNT
    assert finding["Resources"][0]["Id"] == f"AWS::::Account:{ids['a2']}"

    third = drift(org, "--findings", "securityhub", code=2)  # still out: still drift, same finding
    assert tasks(third)[("a2", PAB_ID)]["classification"] == "drift"
    assert len(findings(org)) == 1

    set_pab(org["ep"], ids["a2"], True)  # a person fixed it
    fourth = drift(org, *notify, code=0)
    resolved = findings(org)[f"soc2ctl/{PAB_ID}/{ids['a2']}/-"]
    assert len(findings(org)) == 1
    assert resolved["Workflow"]["Status"] == "RESOLVED" and resolved["Compliance"]["Status"] == "PASSED"
    assert fourth["notifications"]["securityhub"]["resolved"] == 1
    assert len(sent(org)) == 1  # a clean run sends nothing
    assert verify(LocalSink(Path(org["evidence"]))).ok


def test_never_compliant_is_not_drift(org):
    set_pab(org["ep"], org["ids"]["a3"], False)  # before any recorded run
    doc = drift(org, "--findings", "securityhub", code=2)
    assert tasks(doc)[("a3", PAB_ID)]["classification"] == "never-compliant"
    assert set(findings(org)) == {f"soc2ctl/{PAB_ID}/{org['ids']['a3']}/-"}
    again = drift(org, code=2)
    assert tasks(again)[("a3", PAB_ID)]["classification"] == "never-compliant"


def test_blast_radius_breach_applies_nothing_and_alerts(org):
    drift(org, code=0)
    for name in NAMES:
        set_password(org["ep"], org["ids"][name], 8)
    doc = drift(org, "--remediate", "--max-changes", "2", "--notify", f"sns:{org['topic']}", code=1)
    assert doc["blast_radius"]["breached"] and "above max_changes 2" in doc["blast_radius"]["reason"]
    assert all(t["remediation"] == "limit-exceeded" for t in doc["tasks"])
    assert [password_length(org, n) for n in NAMES] == [8, 8, 8]  # nothing applied
    messages = sent(org)
    assert len(messages) == 1 and messages[0][2].startswith("LIMIT EXCEEDED")


def test_playbook_limit_per_account(org, tmp_path):
    (tmp_path / "pb.yml").write_text(PLAYBOOK + "drift: {max_changes: 10, max_changes_per_account: 0}\n")
    set_password(org["ep"], org["ids"]["a1"], 8)
    doc = drift(org, "--remediate", code=1)
    assert doc["limits"] == {"max_changes": 10, "max_changes_per_account": 0, "source": "playbook"}
    assert "max_changes_per_account 0" in doc["blast_radius"]["reason"]
    assert password_length(org, "a1") == 8


def test_exceptions_in_plan_apply_and_drift(org, tmp_path):
    ids = org["ids"]
    future, past = dt.date.today() + dt.timedelta(days=30), dt.date.today() - dt.timedelta(days=1)
    (tmp_path / "pb.yml").write_text(
        f"""\
name: exceptions
controls:
  - id: password-excepted
    remediation: iam-password-policy
    auto_remediate: true
    exceptions:
      - {{accounts: [a2], justification: legacy SSO migration, owner: sec@example.com, expires: {future}}}
      - {{accounts: [a3], justification: old waiver, owner: sec@example.com, expires: {past}}}
"""
    )
    set_password(org["ep"], ids["a2"], 8)
    set_password(org["ep"], ids["a3"], 8)
    plan = runner.invoke(
        app, ["plan", org["pb"], "-i", org["inv"], "--format", "json", "--evidence", org["evidence"]]
    )
    doc = json.loads(plan.stdout)
    by = {(t["account_name"], t["control"]): t for t in doc["tasks"]}
    excepted, expired = by[("a2", "password-excepted")], by[("a3", "password-excepted")]
    assert (
        excepted["action"] == "excepted" and excepted["exception"]["justification"] == "legacy SSO migration"
    )
    assert excepted["changes"], "an excepted task still shows what differs"
    assert expired["action"] == "update" and expired["exception"]["expired"] is True
    assert doc["summary"]["excepted"] == 1

    text = runner.invoke(app, ["plan", org["pb"], "-i", org["inv"], "--evidence", org["evidence"]])
    assert "password-excepted excepted" in text.stdout and "excepted until" in text.stdout
    assert "exception expired" in text.stdout

    result = drift(org, "--remediate", code=2)
    found = tasks(result)
    assert found[("a2", "password-excepted")]["classification"] == "excepted"
    assert found[("a3", "password-excepted")]["classification"] == "drift"
    assert found[("a3", "password-excepted")]["exception_expired"] is True
    assert password_length(org, "a2") == 8  # never changed under an exception
    assert password_length(org, "a3") == 14

    applied = runner.invoke(
        app, ["apply", org["pb"], "-i", org["inv"], "--auto-approve", "--evidence", org["evidence"]]
    )
    assert applied.exit_code == 0, applied.output
    assert password_length(org, "a2") == 8
