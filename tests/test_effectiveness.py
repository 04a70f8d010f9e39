"""The shipped baseline is effective on an organization that names no account `audit` (issue #19).

In-process moto, the real run builder and executor, the shipped playbook: the plan has no template error and
no skipped control; after apply, the organization trail delivers to the log group holding the alarms' metric
filters, every bucket a Config channel or a flow log names exists, and vpc-flow-logs applies cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from remediations.security_alarms import PATTERNS
from soc2ctl.config import shipped
from soc2ctl.config.inventory import read_inventory_file, resolve_inventory
from soc2ctl.config.playbook import load_playbook
from soc2ctl.engine.plan import plan_document
from soc2ctl.engine.tasks import build_tasks
from soc2ctl.run.builder import prepare_run
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import OPT_IN_VARS, create_org, member_client

BASELINE = shipped.resolve(Path("soc2-baseline.yml"), "playbooks")
INVENTORY = (
    f"organization: {{discover: true, include_management: true}}\nregions: [us-east-1]\nvars: {OPT_IN_VARS}\n"
)


@pytest.fixture
def org_without_audit(aws, tmp_path: Path) -> tuple[dict[str, str], Path]:
    ids = create_org(None, ["app-prod", "app-dev", "data"])
    assert "audit" not in ids
    inventory = tmp_path / "inv.yml"
    inventory.write_text(INVENTORY)
    return ids, inventory


def run_plan(inventory: Path) -> dict:
    run = prepare_run(BASELINE, inventory, parallelism=4)
    return plan_document(run.executor.plan(), run_id=run.run_id, **run.sources())


def test_baseline_plans_applies_and_is_effective_without_an_audit_account(org_without_audit):
    ids, inventory = org_without_audit
    plan = run_plan(inventory)
    problems = [(t["key"], t["error"]) for t in plan["tasks"] if t["action"] in ("error", "skipped")]
    assert problems == []
    controls = {c.id for c in load_playbook(BASELINE).spec.controls}
    assert {t["control"] for t in plan["tasks"]} == controls  # no control silently without a task
    config = next(t for t in plan["tasks"] if t["control"] == "config-recorder")
    assert config["requires"][0]["satisfied_by"] == "central-log-buckets"

    run = prepare_run(BASELINE, inventory, parallelism=4)
    results = run.executor.apply()
    failed = {k: r.error for k, r in results.items() if r.status in ("failed", "skipped")}
    assert failed == {}
    flow = [r.status for r in results.values() if r.task.control.id == "vpc-flow-logs"]
    assert flow and set(flow) == {"changed"}
    detect = {r.status for r in results.values() if r.task.control.id == "root-mfa"}
    assert detect == {"out-of-state"}  # moto's root users have no MFA: apply says so, as plan does

    (trail,) = member_client("cloudtrail", MANAGEMENT_ACCOUNT).describe_trails()["trailList"]
    group = trail["CloudWatchLogsLogGroupArn"].split(":log-group:", 1)[1].removesuffix(":*")
    filters = member_client("logs", MANAGEMENT_ACCOUNT).describe_metric_filters(logGroupName=group)
    assert len(filters["metricFilters"]) == len(PATTERNS)

    named = set()
    for account in [MANAGEMENT_ACCOUNT, *ids.values()]:
        channels = member_client("config", account).describe_delivery_channels()["DeliveryChannels"]
        named |= {c["s3BucketName"] for c in channels}
        logs = member_client("ec2", account).describe_flow_logs()["FlowLogs"]
        named |= {f["LogDestination"].removeprefix("arn:aws:s3:::").split("/")[0] for f in logs}
    existing = {b["Name"] for b in member_client("s3", MANAGEMENT_ACCOUNT).list_buckets()["Buckets"]}
    assert named and named <= existing

    again = run_plan(inventory)
    assert {t["action"] for t in again["tasks"]} == {"no-op", "detect"}


def test_a_designation_naming_no_account_is_the_reason_of_the_controls_that_need_it(tmp_path: Path):
    inventory = tmp_path / "inv.yml"
    inventory.write_text(
        'organization: {management_account: "111111111111", security_tooling_account: audit}\n'
        'accounts: {"222222222222": {name: app}}\n'
    )
    spec, raw = read_inventory_file(inventory)
    tasks = build_tasks(load_playbook(BASELINE), resolve_inventory(inventory, spec, raw, None))
    failing = {t.control.id: t.error for t in tasks if t.error}
    assert set(failing) == {
        "delegated-admins",
        "guardduty-org-config",
        "access-analyzer",
        "securityhub-org-config",
    }
    for error in failing.values():
        assert "organization.security_tooling_account" in error and "'audit' names no account" in error
        assert "attribute" not in error  # never a template error


def test_validate_says_in_one_line_who_plays_each_role(tmp_path: Path):
    from typer.testing import CliRunner

    from soc2ctl.cli.main import app

    inventory = tmp_path / "inv.yml"
    inventory.write_text(
        'organization: {management_account: "111111111111"}\naccounts: {"222222222222": {name: app}}\n'
    )
    ok = CliRunner().invoke(app, ["validate", str(BASELINE), "-i", str(inventory)])
    assert ok.exit_code == 0, ok.output
    notes = [line for line in ok.output.splitlines() if line.startswith("note: organization.")]
    assert notes == [
        "note: organization.security_tooling_account is not set: the management account 111111111111 plays that role",
        "note: organization.log_archive_account is not set: the management account 111111111111 plays that role",
    ]
    inventory.write_text(inventory.read_text().replace("}\n", ", log_archive_account: logs}\n", 1))
    bad = CliRunner().invoke(app, ["validate", str(BASELINE), "-i", str(inventory)])
    assert bad.exit_code == 1
    lines = [line for line in (bad.stderr or bad.output).splitlines() if "log_archive_account" in line]
    assert (
        len(lines) == 1 and "'logs' names no account of the inventory" in lines[0] and "inv.yml:1" in lines[0]
    )
