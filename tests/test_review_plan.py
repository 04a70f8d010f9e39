"""Plans a change reviewer can sign off: blast radius, risk and reason, truthful actions, exit codes.

The organization-level checks run the real CLI over a moto server organization seeded by the sandbox's own
seeders (one compliant, one drifted, one fresh member, plus the audit account), with the shipped baseline:
what a reviewer sees on a real pull request, at a size a test can afford.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from soc2ctl import registry
from soc2ctl.cli.main import app
from soc2ctl.config.inventory import Account
from soc2ctl.config.models import ControlSpec
from soc2ctl.config.playbook import load_playbook
from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import plan_document
from soc2ctl.engine.tasks import Task, task_key
from soc2ctl.remediation import Scope
from soc2ctl.render.valuediff import path_segments
from soc2ctl.run import workers
from soc2ctl_sandbox import seed
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, SandboxAccount
from tests.helpers import ModuleRun, create_org, member_client

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "playbooks" / "soc2-baseline.yml"
RISKS = {"low", "medium", "high"}
runner = CliRunner()

LAYOUT = (
    SandboxAccount("audit", "Security", {"env": "prod"}, "compliant"),
    SandboxAccount("steady", "Workloads/Prod", {"env": "prod"}, "compliant"),
    SandboxAccount("drifty", "Workloads/Prod", {"env": "prod"}, "drifted"),
    SandboxAccount("blank", "Workloads/Dev", {"env": "dev"}, "fresh"),
)
INVENTORY = """\
organization: {discover: true, role_name: OrganizationAccountAccessRole, security_tooling_account: audit}
regions: [us-east-1, eu-west-1]
home_region: us-east-1
"""


# ---------------------------------------------------------------- risk and reason, without AWS


def test_every_module_has_a_risk_and_the_reviewed_ratings_hold():
    modules = registry.registry()
    assert {m.risk for m in modules.values()} <= RISKS
    # Can lock people out or stop logging: never low.
    for name in ("root-mfa", "scp-guardrails", "iam-user-mfa", "iam-access-keys", "org-cloudtrail"):
        assert modules[name].risk == "high", name
    for name in ("config-recorder", "iam-password-policy", "default-security-group-closed", "backup-vault"):
        assert modules[name].risk != "low", name


def test_every_baseline_task_carries_risk_and_summary():
    playbook = load_playbook(BASELINE)
    account = Account(id="111111111111", name="a")
    for control in playbook.spec.controls:
        module = registry.get(control.remediation)
        task = Task(task_key(control.id, account.id, None), control, module, account, None, "us-east-1", {})
        doc = plan_document({task.key: TaskResult(task)}, run_id="r", playbook={}, inventory={})
        only = doc["tasks"][0]
        assert only["risk"] == (control.risk.value if control.risk else module.risk)
        assert only["risk"] in RISKS and len(only["summary"]) > 10, control.id
        assert only["summary"] == " ".join((control.description or module.summary()).split())


def test_playbook_risk_overrides_the_module_default(tmp_path):
    (tmp_path / "pb.yml").write_text(
        "name: t\ncontrols:\n  - {id: pw, remediation: iam-password-policy, risk: low}\n"
        "  - {id: mfa, remediation: root-mfa}\n"
    )
    controls = {c.id: c.risk.value for c in load_playbook(tmp_path / "pb.yml").spec.controls}
    assert controls == {"pw": "low", "mfa": "high"}


# ---------------------------------------------------------------- blast radius (in-process moto)


def scp_task_json(org_ids: dict[str, str], targets: list[str]) -> dict[str, Any]:
    run = ModuleRun(
        "scp-guardrails",
        {"targets": targets},
        variables={"executor_role_name": "OrganizationAccountAccessRole"},
    )
    result = run.plan()
    return plan_document({result.task.key: result}, run_id="r", playbook={}, inventory={})["tasks"][0]


def test_scp_at_the_root_reaches_every_member_account(org):
    task = scp_task_json(org, ["root"])
    assert task["action"] == "create" and task["scope"] == "org"
    assert task["affected_accounts"] == sorted(org.values())  # every member; SCPs spare the management
    assert MANAGEMENT_ACCOUNT not in task["affected_accounts"]


def test_scp_on_an_ou_reaches_the_accounts_below_it_at_any_depth(aws):
    ids = create_org(None, ["p1", "p2"], ou="Workloads/Prod")
    other = create_org_member("d1", "Workloads")
    task = scp_task_json(ids, ["Workloads"])
    assert task["affected_accounts"] == sorted([*ids.values(), other])
    narrow = scp_task_json(ids, ["Workloads/Prod"])
    assert narrow["affected_accounts"] == sorted(ids.values())


def create_org_member(name: str, ou_name: str) -> str:
    org = member_client("organizations", MANAGEMENT_ACCOUNT)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = next(
        u["Id"]
        for u in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if u["Name"] == ou_name
    )
    account = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    org.move_account(AccountId=account["AccountId"], SourceParentId=root, DestinationParentId=ou)
    return account["AccountId"]


def test_account_scope_tasks_reach_their_own_account(org):
    result = ModuleRun("iam-password-policy", {"minimum_password_length": 14}, org["alpha"]).plan()
    doc = plan_document({result.task.key: result}, run_id="r", playbook={}, inventory={})
    assert doc["tasks"][0]["affected_accounts"] == [org["alpha"]]


# ---------------------------------------------------------------- the baseline over a seeded organization


@pytest.fixture
def seeded(server, tmp_path: Path) -> dict[str, Any]:
    ids = seed.create_organization(server.endpoint, LAYOUT)
    seed.seed_settings(server.endpoint, ids, LAYOUT)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return {"ids": ids, "inv": str(tmp_path / "inv.yml"), "out": str(tmp_path / "plan.json")}


def observed_at(observed: Any, segments: list[str]) -> Any:
    value = observed
    for segment in segments:
        if not isinstance(value, dict):
            return None
        value = value.get(segment)
    return value


def test_baseline_over_seeded_org(seeded, tmp_path, monkeypatch):
    """Risk and summary on every task; the SCP reaches every member; compliant accounts show no change;
    every action agrees with the observed state (create only where the resource is absent)."""
    observed: dict[str, TaskResult] = {}
    original = workers.plan

    def keep(*args: Any, **kwargs: Any) -> dict[str, TaskResult]:
        results = original(*args, **kwargs)  # every result, in the parent, whatever the worker count
        observed.update(results)
        return results

    monkeypatch.setattr(workers, "plan", keep)
    result = runner.invoke(
        app, ["plan", str(BASELINE), "-i", seeded["inv"], "--format", "json", "--out", seeded["out"]]
    )
    assert result.exit_code == 0, result.output[-3000:]
    doc = json.loads(result.stdout)
    ids = seeded["ids"]
    assert all(t["risk"] in RISKS and t["summary"] for t in doc["tasks"])

    scp = next(t for t in doc["tasks"] if t["control"] == "scp-guardrails")
    assert scp["affected_accounts"] == sorted(ids.values()), scp  # the sandbox attaches it at the root

    compliant = {ids["audit"], ids["steady"]}
    loud = [
        (t["control"], t["account_name"], t["region"], t["changes"])
        for t in doc["tasks"]
        if t["account_id"] in compliant and t["scope"] != "org" and t["action"] != "no-op"
    ]
    assert loud == []

    for task in doc["tasks"]:
        result_ = observed[task["key"]]
        for change in task["changes"]:
            segments = path_segments(change["path"])
            parent = observed_at(result_.observed, segments[:-1]) if len(segments) > 1 else None
            if change["before"] is None and len(segments) > 1 and isinstance(parent, dict):
                # a field of a resource that exists: create only for a whole new object in a map
                assert isinstance(change["after"], dict) or task["action"] != "create", (task["key"], change)
        if task["action"] == "create":
            assert all(c["before"] is None for c in task["changes"]), task["key"]
    vault = [t for t in doc["tasks"] if t["control"] == "backup-vault" and t["account_name"] == "drifty"]
    assert {t["action"] for t in vault} == {"update"}, [(t["region"], t["changes"]) for t in vault]
    blank = [t for t in doc["tasks"] if t["control"] == "backup-vault" and t["account_name"] == "blank"]
    assert {t["action"] for t in blank} == {"create"}

    shown = runner.invoke(app, ["show", seeded["out"], "--format", "markdown", "--max-chars", "20000"])
    assert shown.exit_code == 0 and len(shown.stdout) <= 20000
    assert "reaches 4 accounts" in shown.stdout


def test_every_module_is_covered_by_the_baseline():
    """The seeded-organization test checks the action of every module the baseline uses: all of them."""
    used = {c.remediation for c in load_playbook(BASELINE).spec.controls}
    assert used == set(registry.registry())


def test_module_scopes_are_known():
    assert {m.scope for m in registry.registry().values()} <= set(Scope)
    assert ControlSpec(id="x", remediation="root-mfa").risk is None  # filled from the module on load


def test_a_changed_blast_radius_makes_a_saved_plan_stale():
    from soc2ctl.run.saved_plan import _task_difference

    planned = {
        "action": "update",
        "fingerprint": "sha256:" + "0" * 64,
        "changes": [{"path": "targets", "before": [], "after": ["r-root"]}],
        "affected_accounts": ["111111111111", "222222222222"],
    }
    same = {**planned, "affected_accounts": ["222222222222", "111111111111"], "error": None}
    grown = {**same, "affected_accounts": [*same["affected_accounts"], "333333333333"]}
    assert _task_difference(planned, same) is None
    assert "blast radius changed since the plan (2 account(s) reached then, 3 now)" in _task_difference(
        planned, grown
    )
    older = {k: v for k, v in planned.items() if k != "affected_accounts"}  # a plan made before the field
    assert _task_difference(older, grown) is None
