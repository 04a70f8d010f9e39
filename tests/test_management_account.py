"""The management account is a target of account and region controls (issue #18).

With a shipped inventory, used as it ships, against an in-process moto organization whose management
account nobody configured (moto's defaults: no password policy, EBS encryption off, no account public access
block, default security groups open, no Config recorder: what Prowler failed it on), the first plan has
changes there, apply fixes them, and the next plan has none. `plan` says so, in one line on stderr, when an
inventory leaves the management account out; controls that must not change it only report there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config import shipped
from soc2ctl.engine.plan import plan_document
from soc2ctl.render.markdown import render_markdown
from soc2ctl.run.builder import prepare_run
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import create_org, deploy_template, member_client

BASELINE = shipped.resolve(Path("soc2-baseline.yml"), "playbooks")
SHIPPED = shipped.resolve(Path("example-discovered.yml"), "inventories")
TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "soc2ctl-roles.yaml"
# What Prowler failed the management account on after an apply that did not target it.
PROWLER_FAILED = {
    "iam-password-policy",
    "ebs-default-encryption",
    "s3-account-public-access-block",
    "default-security-group-closed",
    "config-recorder",
}
WARNING = "warning: the management account"


def run_plan(inventory: Path, limit: str | None = None) -> dict:
    run = prepare_run(BASELINE, inventory, parallelism=4, limit=limit)
    return plan_document(run.executor.plan(), run_id=run.run_id, **run.sources())


def management_tasks(plan: dict) -> list[dict]:
    return [t for t in plan["tasks"] if t["account_id"] == MANAGEMENT_ACCOUNT and t["scope"] != "org"]


def test_shipped_inventories_include_the_management_account():
    for name in ("sandbox.yml", "example-discovered.yml", "example-static.yml"):
        text = shipped.resolve(Path(name), "inventories").read_text()
        assert "include_management: true" in text, name


def test_after_apply_with_a_shipped_inventory_the_management_account_passes_account_and_region_controls(aws):
    create_org(None, ["app-prod"], ou="Workloads/Prod")
    # a real organization's first step (docs/least-privilege.md): the deploy template, with its log buckets
    # and the trail's delivery role, which the baseline's run-time roles do not write
    org_id = member_client("organizations", MANAGEMENT_ACCOUNT).describe_organization()["Organization"]["Id"]
    deploy_template(TEMPLATE.read_text(), MANAGEMENT_ACCOUNT, org_id)
    first = run_plan(SHIPPED)
    mine = management_tasks(first)
    assert {t["scope"] for t in mine} == {"account", "region"}
    changing = {t["control"] for t in mine if t["action"] in ("create", "update", "delete")}
    assert changing >= PROWLER_FAILED
    assert [(t["key"], t["error"]) for t in first["tasks"] if t["action"] in ("error", "skipped")] == []

    run = prepare_run(BASELINE, SHIPPED, parallelism=4)
    assert run.warnings == []
    results = run.executor.apply()
    failed = {k: r.error for k, r in results.items() if r.status in ("failed", "skipped")}
    assert failed == {}

    again = management_tasks(run_plan(SHIPPED))
    assert {t["control"] for t in again} >= PROWLER_FAILED
    assert {t["action"] for t in again} == {"no-op", "detect"}  # nothing left that apply can fix
    assert [t["key"] for t in again if t["control"] in PROWLER_FAILED and t["action"] != "no-op"] == []
    detect = {t["control"] for t in again if t["action"] == "detect"}
    assert "root-mfa" in detect  # moto's root user has no MFA: a person's job
    policy = member_client("iam", MANAGEMENT_ACCOUNT).get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] >= 14
    assert member_client("ec2", MANAGEMENT_ACCOUNT).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]


STATIC = f'{{management_account: "{MANAGEMENT_ACCOUNT}"}}\naccounts: {{"210987654321": {{name: app}}}}'


@pytest.mark.parametrize(
    ("organization", "limit", "warned"),
    [
        (
            "{discover: true}",
            None,
            ("include_management is false", "set organization.include_management: true"),
        ),
        ("{discover: true, include_management: true}", None, None),
        (
            f'{{discover: true, include_management: true}}\nexclude: ["{MANAGEMENT_ACCOUNT}"]',
            None,
            ("(`exclude` lists it)", "remove it from `exclude`"),
        ),
        ("{discover: true}", "app-prod", None),  # a run limited on purpose
        (STATIC, None, ("not listed under `accounts`", f'list "{MANAGEMENT_ACCOUNT}" under `accounts`')),
    ],
)
def test_plan_warns_in_one_line_when_the_inventory_leaves_the_management_account_out(
    aws, tmp_path: Path, organization: str, limit: str | None, warned: tuple[str, str] | None
):
    create_org(None, ["app-prod"])
    inventory = tmp_path / "inv.yml"
    inventory.write_text(f"organization: {organization}\nregions: [us-east-1]\n")
    args = ["plan", str(BASELINE), "-i", str(inventory), "--controls", "iam-password-policy"]
    args += ["--evidence", str(tmp_path / "evidence"), "--format", "json"]
    done = CliRunner().invoke(app, args + (["--limit", limit] if limit else []))
    assert done.exit_code == 0, done.output
    lines = [line for line in done.stderr.splitlines() if line.startswith(WARNING)]
    carried = json.loads(done.stdout)["run"]["warnings"]  # a saved plan carries it to the reviewer
    if warned is None:
        assert lines == [] and carried == []
        return
    why, fix = warned
    assert len(lines) == 1 and why in lines[0] and MANAGEMENT_ACCOUNT in lines[0]
    assert lines[0].endswith(f"{fix} to hold it to them too")
    assert [f"warning: {w}" for w in carried] == lines
    review = render_markdown(json.loads(done.stdout))  # what the change-approval comment shows
    (shown,) = [line for line in review.splitlines() if line.startswith("> **Warning:** ")]
    assert MANAGEMENT_ACCOUNT in shown and "to hold it to them too" in shown


def test_a_control_that_must_not_change_the_management_account_only_reports_there(aws, tmp_path: Path):
    """iam-access-keys with `deactivate: true` fixes members; in the management account it only reports."""
    ids = create_org(None, ["app-prod"])
    for account in (MANAGEMENT_ACCOUNT, ids["app-prod"]):
        iam = member_client("iam", account)
        iam.create_user(UserName="ci")
        iam.create_access_key(UserName="ci")
    inventory = tmp_path / "inv.yml"
    inventory.write_text("organization: {discover: true, include_management: true}\nregions: [us-east-1]\n")
    playbook = tmp_path / "keys.yml"
    playbook.write_text(
        "name: keys\nhosts: all\ncontrols:\n  - id: keys\n    remediation: iam-access-keys\n"
        "    desired: {max_age_days: 1, max_unused_days: 1, deactivate: true}\n"
    )
    from remediations.iam_access_keys import IamAccessKeys

    real_clock = IamAccessKeys.clock
    try:
        IamAccessKeys.clock = staticmethod(lambda: real_clock() + __import__("datetime").timedelta(days=30))
        run = prepare_run(playbook, inventory, parallelism=2)
        actions = {r.task.account.id: r.action for r in run.executor.plan().values()}
        assert actions == {MANAGEMENT_ACCOUNT: "detect", ids["app-prod"]: "update"}
        results = prepare_run(playbook, inventory, parallelism=2).executor.apply()
    finally:
        IamAccessKeys.clock = real_clock
    statuses = {r.task.account.id: r.status for r in results.values()}
    assert statuses == {MANAGEMENT_ACCOUNT: "out-of-state", ids["app-prod"]: "changed"}
    keys = member_client("iam", MANAGEMENT_ACCOUNT).list_access_keys(UserName="ci")["AccessKeyMetadata"]
    assert [k["Status"] for k in keys] == ["Active"]


def test_a_control_that_must_not_run_in_the_management_account_gets_no_task_there(
    monkeypatch, tmp_path: Path
):
    """`in_management = "skip"`: the task builder leaves the management account out for that control only."""
    from soc2ctl import registry
    from soc2ctl.config.inventory import read_inventory_file, resolve_inventory
    from soc2ctl.config.playbook import load_playbook
    from soc2ctl.engine.tasks import build_tasks

    inventory = tmp_path / "inv.yml"
    inventory.write_text(
        'organization: {management_account: "111111111111", include_management: true}\n'
        'accounts: {"111111111111": {name: management}, "222222222222": {name: app}}\n'
    )
    spec, raw = read_inventory_file(inventory)
    resolved = resolve_inventory(inventory, spec, raw, None)

    def targets() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for t in build_tasks(load_playbook(BASELINE), resolved, control_ids=["iam-password-policy", "macie"]):
            found.setdefault(t.control.id, set()).add(t.account.id)
        return found

    both = {"111111111111", "222222222222"}
    assert targets() == {"iam-password-policy": both, "macie": both}
    monkeypatch.setattr(type(registry.get("macie")), "in_management", "skip")
    assert targets() == {"iam-password-policy": both, "macie": {"222222222222"}}
