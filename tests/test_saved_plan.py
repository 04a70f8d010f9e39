"""Saved plans end to end through the real CLI on an in-process moto organization.

The contract a change-approval reviewer relies on: `apply plan.json` changes exactly what the plan showed or
nothing at all. Each refusal test checks that no setting was written (the drift the plan would have fixed is
still there) and that the error names exactly the stale task.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import STRONG_PASSWORD_POLICY, member_client

runner = CliRunner()

PLAYBOOK = """\
name: saved plan test
hosts: all
controls:
  - {id: iam-password-policy, remediation: iam-password-policy, criteria: [CC6.1], risk: high}
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
"""
STRONG = STRONG_PASSWORD_POLICY


def inventory_yaml(org: dict[str, str]) -> str:
    accounts = "".join(f'  "{i}": {{name: {n}}}\n' for n, i in org.items())
    return (
        f'organization: {{discover: false, management_account: "{MANAGEMENT_ACCOUNT}"}}\n'
        f"regions: [us-east-1]\naccounts:\n{accounts}"
    )


@pytest.fixture
def files(org, tmp_path: Path) -> dict[str, Path]:
    """Playbook and static inventory over the org; alpha is drifted (weak policy, no EBS encryption),
    beta and gamma are compliant."""
    for name, account_id in org.items():
        policy = {**STRONG, "MinimumPasswordLength": 8} if name == "alpha" else STRONG
        member_client("iam", account_id).update_account_password_policy(**policy)
        if name != "alpha":
            member_client("ec2", account_id).enable_ebs_encryption_by_default()
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(inventory_yaml(org))
    return {"pb": tmp_path / "pb.yml", "inv": tmp_path / "inv.yml", "plan": tmp_path / "plan.json"}


def save_plan(files: dict[str, Path]) -> dict:
    result = runner.invoke(
        app, ["plan", str(files["pb"]), "-i", str(files["inv"]), "--out", str(files["plan"])]
    )
    assert result.exit_code == 0, result.output
    return json.loads(files["plan"].read_text())


def min_length(account_id: str) -> int:
    policy = member_client("iam", account_id).get_account_password_policy()["PasswordPolicy"]
    return policy["MinimumPasswordLength"]


def ebs_enabled(account_id: str) -> bool:
    return member_client("ec2", account_id).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]


def stale(output: str) -> dict[str, str]:
    """Stale task key -> reason, from the refusal's `stale: KEY (ACCOUNT NAME): REASON` lines."""
    return dict(re.findall(r"stale: (\S+) \([^)]*\): (.*)", output))


def test_saved_plan_records_what_apply_needs(files, org):
    doc = save_plan(files)
    jsonschema.validate(
        doc, json.loads((Path(__file__).parent.parent / "docs" / "plan-schema.json").read_text())
    )
    assert doc["run"]["playbook_path"] == str(files["pb"].resolve())
    assert doc["run"]["inventory_path"] == str(files["inv"].resolve())
    assert doc["run"]["limit"] is None and doc["run"]["extra_vars"] == {}
    assert doc["plan_sha256"].startswith("sha256:")
    assert all(t["fingerprint"].startswith("sha256:") for t in doc["tasks"])
    assert {(t["account_name"], t["control"]) for t in doc["tasks"] if t["action"] != "no-op"} == {
        ("alpha", "iam-password-policy"),
        ("alpha", "ebs-default-encryption"),
    }


def test_apply_saved_plan_applies_and_records_approval(files, org):
    doc = save_plan(files)
    result = runner.invoke(app, ["apply", str(files["plan"]), "--approval-ref", "CHG-42", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["approval"]["ref"] == "CHG-42"
    assert out["approval"]["plan_sha256"] == doc["plan_sha256"]
    assert out["approval"]["approver"].startswith("arn:aws:")
    assert out["run_id"] != doc["run_id"]
    assert sorted(r["status"] for r in out["results"]) == ["changed", "changed", "ok", "ok", "ok", "ok"]
    assert min_length(org["alpha"]) == 14 and ebs_enabled(org["alpha"])


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_changed_setting_refuses_naming_exactly_that_task(files, org, who):
    """alpha's policy was planned as an update, beta's as no-op: both are re-checked."""
    save_plan(files)
    member_client("iam", org[who]).update_account_password_policy(**{**STRONG, "MinimumPasswordLength": 10})
    result = runner.invoke(app, ["apply", str(files["plan"])])
    assert result.exit_code == 1
    reasons = stale(result.output)
    assert list(reasons) == [f"iam-password-policy/{org[who]}/-"]
    assert reasons[f"iam-password-policy/{org[who]}/-"].startswith("observed state changed since the plan")
    assert "nothing was applied" in result.output
    assert not ebs_enabled(org["alpha"])  # the other planned change was not made either
    assert min_length(org[who]) == 10


def test_plan_made_before_state_existed_is_checked(files, org):
    member_client("iam", org["gamma"]).delete_account_password_policy()
    doc = save_plan(files)
    gamma = next(t for t in doc["tasks"] if t["key"] == f"iam-password-policy/{org['gamma']}/-")
    assert gamma["action"] == "create"
    member_client("iam", org["gamma"]).update_account_password_policy(**STRONG)  # appears after the plan
    result = runner.invoke(app, ["apply", str(files["plan"])])
    assert result.exit_code == 1
    assert list(stale(result.output)) == [f"iam-password-policy/{org['gamma']}/-"]
    assert min_length(org["alpha"]) == 8 and not ebs_enabled(org["alpha"])


def test_changed_playbook_refuses_and_says_so(files, org):
    save_plan(files)
    files["pb"].write_text(PLAYBOOK + "# edited after review\n")
    result = runner.invoke(app, ["apply", str(files["plan"])])
    assert result.exit_code == 1
    assert "the playbook" in result.output and "changed since the plan was made" in result.output
    assert "inventory" not in result.output.split("playbook", 1)[1].split("\n")[0]
    assert min_length(org["alpha"]) == 8 and not ebs_enabled(org["alpha"])


def test_changed_inventory_refuses_and_says_so(files, org):
    save_plan(files)
    files["inv"].write_text(files["inv"].read_text() + "vars: {x: 1}\n")
    result = runner.invoke(app, ["apply", str(files["plan"])])
    assert result.exit_code == 1
    assert "the inventory" in result.output and "changed since the plan was made" in result.output
    assert min_length(org["alpha"]) == 8


def test_edited_plan_file_refuses(files, org):
    doc = save_plan(files)
    doc["tasks"][0]["changes"] = []
    files["plan"].write_text(json.dumps(doc))
    result = runner.invoke(app, ["apply", str(files["plan"])])
    assert result.exit_code == 1 and "modified after it was made" in result.output
    assert min_length(org["alpha"]) == 8


def test_saved_plan_rejects_run_options(files, org):
    save_plan(files)
    result = runner.invoke(app, ["apply", str(files["plan"]), "-i", str(files["inv"])])
    assert result.exit_code == 1 and "carries its inventory" in result.output
    no_inventory = runner.invoke(app, ["apply", str(files["pb"])])
    assert no_inventory.exit_code == 1 and "--inventory" in no_inventory.output


def test_secret_extra_vars_are_not_saved_and_must_be_given_again(files, org):
    args = ["plan", str(files["pb"]), "-i", str(files["inv"]), "--out", str(files["plan"])]
    result = runner.invoke(app, [*args, "-e", "db_password=hunter2-very-secret", "-e", "team=core"])
    assert result.exit_code == 0, result.output
    text = files["plan"].read_text()
    assert "hunter2" not in text
    run = json.loads(text)["run"]
    assert run["extra_vars"] == {"team": "core"} and run["redacted_vars"] == ["db_password"]
    missing = runner.invoke(app, ["apply", str(files["plan"])])
    assert missing.exit_code == 1 and "db_password" in missing.output
    assert min_length(org["alpha"]) == 8
    ok = runner.invoke(app, ["apply", str(files["plan"]), "-e", "db_password=hunter2-very-secret"])
    assert ok.exit_code == 0, ok.output


def test_show_renders_a_stale_plan(files, org):
    save_plan(files)
    member_client("iam", org["beta"]).update_account_password_policy(**{**STRONG, "MinimumPasswordLength": 9})
    files["pb"].write_text(PLAYBOOK + "# edited\n")
    for fmt in ("text", "markdown", "json"):
        result = runner.invoke(app, ["show", str(files["plan"]), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "alpha" in result.stdout
    text = runner.invoke(app, ["show", str(files["plan"])]).stdout
    assert "Saved plan" in text and "Plan: 0 to create, 2 to update, 0 to delete" in text


def test_interactive_apply_records_approval(files, org):
    result = runner.invoke(
        app,
        ["apply", str(files["pb"]), "-i", str(files["inv"]), "--auto-approve", "--approval-ref", "CHG-7"],
    )
    assert result.exit_code == 0, result.output
    assert "Approval: CHG-7, applied by arn:aws:" in result.stdout
    assert min_length(org["alpha"]) == 14
