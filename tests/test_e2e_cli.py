"""End to end: the real CLI against a moto *server* organization of 8 member accounts.

The CLI reaches moto the way a user reaches LocalStack: AWS_ENDPOINT_URL. Drift is injected in some accounts
only, the plan must name exactly those tasks, apply must fix them (checked by reading each member account
directly), and the next plan must be clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto.sts.exceptions import STSClientError
from moto.sts.models import STSBackend
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from tests.helpers import STRONG_PASSWORD_POLICY, create_org, member_client

NAMES = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"]
REGIONS = ["us-east-1", "eu-west-1"]
STRONG_POLICY = STRONG_PASSWORD_POLICY
PAB = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}

PLAYBOOK = """\
name: e2e
hosts: all
controls:
  - {id: iam-password-policy, remediation: iam-password-policy, criteria: [CC6.1]}
  - {id: s3-account-public-access-block, remediation: s3-account-public-access-block}
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
  - {id: guardduty-org, remediation: guardduty-detector}
"""

INVENTORY = """\
organization: {discover: true, role_name: OrganizationAccountAccessRole}
regions: [us-east-1, eu-west-1]
groups:
  odd: {accounts: [a1, a3, a5, a7]}
"""

runner = CliRunner()


def make_compliant(endpoint: str, account_id: str) -> None:
    member_client("iam", account_id, endpoint=endpoint).update_account_password_policy(**STRONG_POLICY)
    member_client("s3control", account_id, endpoint=endpoint).put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=PAB
    )
    for region in REGIONS:
        member_client("ec2", account_id, region, endpoint).enable_ebs_encryption_by_default()
        member_client("guardduty", account_id, region, endpoint).create_detector(
            Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES"
        )


@pytest.fixture
def organization(server, tmp_path: Path) -> dict[str, object]:
    ids = create_org(server.endpoint, NAMES)
    for account_id in ids.values():
        make_compliant(server.endpoint, account_id)
    # drift in three accounts only
    member_client("ec2", ids["a2"], "eu-west-1", server.endpoint).disable_ebs_encryption_by_default()
    member_client("iam", ids["a5"], endpoint=server.endpoint).update_account_password_policy(
        **{**STRONG_POLICY, "MinimumPasswordLength": 8}
    )
    gd = member_client("guardduty", ids["a7"], "us-east-1", server.endpoint)
    gd.update_detector(
        DetectorId=gd.list_detectors()["DetectorIds"][0], FindingPublishingFrequency="SIX_HOURS"
    )
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return {"ids": ids, "pb": str(tmp_path / "pb.yml"), "inv": str(tmp_path / "inv.yml")}


def plan_json(org: dict, *extra: str) -> dict:
    result = runner.invoke(app, ["plan", org["pb"], "-i", org["inv"], "--format", "json", *extra])
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.stdout)


def test_plan_apply_plan_converges(organization, server):
    ids = organization["ids"]
    doc = plan_json(organization)
    assert doc["format_version"] == 1
    assert doc["summary"]["tasks"] == 8 * (2 + 2 * 2)
    drifted = {(t["account_id"], t["region"], t["control"]) for t in doc["tasks"] if t["action"] != "no-op"}
    assert drifted == {
        (ids["a2"], "eu-west-1", "ebs-default-encryption"),
        (ids["a5"], None, "iam-password-policy"),
        (ids["a7"], "us-east-1", "guardduty-org"),
    }
    pw = next(
        t for t in doc["tasks"] if t["control"] == "iam-password-policy" and t["account_id"] == ids["a5"]
    )
    assert pw["changes"] == [{"path": "minimum_password_length", "before": 8, "after": 14}]
    assert pw["criteria"] == ["CC6.1"] and pw["region"] is None and pw["account_name"] == "a5"

    result = runner.invoke(app, ["apply", organization["pb"], "-i", organization["inv"], "--auto-approve"])
    assert result.exit_code == 0, result.output
    assert "changed=1" in result.output

    ep = server.endpoint
    assert member_client("ec2", ids["a2"], "eu-west-1", ep).get_ebs_encryption_by_default()[
        "EbsEncryptionByDefault"
    ]
    policy = member_client("iam", ids["a5"], endpoint=ep).get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14
    gd = member_client("guardduty", ids["a7"], "us-east-1", ep)
    detector = gd.get_detector(DetectorId=gd.list_detectors()["DetectorIds"][0])
    assert detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"

    again = runner.invoke(app, ["plan", organization["pb"], "-i", organization["inv"], "--detailed-exitcode"])
    assert again.exit_code == 0, again.output
    assert "Plan: 0 to create, 0 to update, 0 to delete, 0 to detect across 0 accounts." in again.output


def test_plan_never_writes(organization, server):
    before = plan_json(organization)
    after = plan_json(organization)
    assert [t["fingerprint"] for t in before["tasks"]] == [t["fingerprint"] for t in after["tasks"]]
    assert (
        member_client(
            "ec2", organization["ids"]["a2"], "eu-west-1", server.endpoint
        ).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
        is False
    )


def test_detailed_exitcode_and_limit(organization):
    result = runner.invoke(
        app, ["plan", organization["pb"], "-i", organization["inv"], "--detailed-exitcode"]
    )
    assert result.exit_code == 2
    doc = plan_json(organization, "--limit", "odd:!a7")
    assert {t["account_name"] for t in doc["tasks"]} == {"a1", "a3", "a5"}
    unknown = runner.invoke(app, ["plan", organization["pb"], "-i", organization["inv"], "--limit", "nope"])
    assert unknown.exit_code == 1 and "nope" in unknown.output


def test_denied_account_is_reported_and_others_complete(organization, monkeypatch):
    ids = organization["ids"]
    denied = ids["a5"]
    original = STSBackend.assume_role

    def assume_role(self, **kwargs):
        if f"::{denied}:" in kwargs["role_arn"]:
            raise STSClientError(
                "AccessDenied", f"not authorized to perform sts:AssumeRole on {kwargs['role_arn']}"
            )
        return original(self, **kwargs)

    monkeypatch.setattr(STSBackend, "assume_role", assume_role)
    result = runner.invoke(app, ["plan", organization["pb"], "-i", organization["inv"], "--format", "json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    doc = json.loads(result.stdout)
    failed = [t for t in doc["tasks"] if t["action"] == "error"]
    assert {t["account_id"] for t in failed} == {denied}
    assert len(failed) == 6
    assert (
        f"account {denied}: cannot assume arn:aws:iam::{denied}:role/OrganizationAccountAccessRole"
        in failed[0]["error"]
    )
    assert "AccessDenied" in failed[0]["error"]
    others = [t for t in doc["tasks"] if t["account_id"] != denied]
    assert len(others) == 7 * 6 and all(t["action"] in ("no-op", "update") for t in others)
    assert {(t["account_id"], t["control"]) for t in others if t["action"] == "update"} == {
        (ids["a2"], "ebs-default-encryption"),
        (ids["a7"], "guardduty-org"),
    }

    text = runner.invoke(app, ["apply", organization["pb"], "-i", organization["inv"], "--auto-approve"])
    assert text.exit_code == 1
    assert f"account {denied}: cannot assume" in text.output
    assert "changed=1" in text.output  # the others were still fixed
