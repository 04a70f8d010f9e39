"""soc2ctl beside AWS Control Tower (issue #18): on an organization with a Control Tower landing zone, the
shipped baseline proposes no second trail or recorder, changes no Control Tower resource (trail, recorder,
guardrail SCP, roles, StackSets), shows the tasks as managed elsewhere, and reports a gap in Control Tower's
trail or recorder as a detect finding with the human step, which apply leaves alone.

In-process moto, the real run builder and executor, the shipped playbook.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from soc2ctl.config import shipped
from soc2ctl.engine.plan import plan_document
from soc2ctl.render.markdown import render_markdown
from soc2ctl.render.text import plan_lines
from soc2ctl.run.builder import prepare_run
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests import control_tower_org as ct
from tests.helpers import OPT_IN_VARS, create_org, member_client

BASELINE = shipped.resolve(Path("soc2-baseline.yml"), "playbooks")
REGIONS = ["us-east-1"]
# What docs/landing-zones.md tells a Control Tower organization to set: Control Tower's execution role,
# and the alarms watching the log group Control Tower's trail delivers to.
INVENTORY = f"""\
organization: {{discover: true, include_management: true, role_name: {ct.EXECUTION_ROLE}}}
regions: [us-east-1]
vars: {{cloudtrail_log_group: {ct.LOG_GROUP}, {OPT_IN_VARS[1:]}
"""
OWNER = "AWS Control Tower"


@pytest.fixture
def landing_zone(aws, tmp_path: Path) -> tuple[dict[str, str], Path]:
    members = create_org(None, ["log-archive", "app-prod"])
    ct.seed_landing_zone(members, REGIONS, log_archive=members["log-archive"])
    inventory = tmp_path / "inv.yml"
    inventory.write_text(INVENTORY)
    return members, inventory


def run_plan(inventory: Path, controls: list[str] | None = None) -> dict:
    run = prepare_run(BASELINE, inventory, parallelism=4, controls=controls)
    return plan_document(run.executor.plan(), run_id=run.run_id, **run.sources())


def tasks_of(plan: dict, control: str) -> dict[str, dict]:
    return {t["account_id"]: t for t in plan["tasks"] if t["control"] == control}


def test_baseline_beside_control_tower_makes_no_second_trail_or_recorder_and_changes_none_of_its_resources(
    landing_zone,
):
    members, inventory = landing_zone
    before = ct.snapshot(members, REGIONS)
    plan = run_plan(inventory)

    (trail,) = tasks_of(plan, "org-cloudtrail").values()
    assert (trail["action"], trail["changes"]) == ("no-op", [])
    managed = trail["managed_elsewhere"]
    assert managed["by"] == OWNER
    assert f"trail {ct.TRAIL} (by name)" in managed["resources"]
    assert "trusted access controltower.amazonaws.com" in managed["resources"]
    assert {f"stack set {s}" for s in ct.STACK_SETS} <= set(managed["resources"])

    recorders = tasks_of(plan, "config-recorder")
    for account in members.values():
        task = recorders[account]
        assert (task["action"], task["changes"]) == ("no-op", []), task
        assert task["managed_elsewhere"]["by"] == OWNER
    # Control Tower does not record the management account: soc2ctl's recorder goes there, the only one
    assert recorders[MANAGEMENT_ACCOUNT]["action"] == "create"
    assert "managed_elsewhere" not in recorders[MANAGEMENT_ACCOUNT]

    problems = [(t["key"], t["error"]) for t in plan["tasks"] if t["action"] in ("error", "skipped")]
    assert problems == []
    text = "\n".join(plan_lines(plan))
    assert "Managed elsewhere (read and reported, never changed by soc2ctl)" in text
    assert f"= org-cloudtrail[/cyan] managed by {OWNER}: in state" in text
    assert "3 managed elsewhere" in text.splitlines()[-2]  # the summary line: org trail + two members
    markdown = render_markdown(plan)
    assert f"- **Managed elsewhere**: `org-cloudtrail` by {OWNER}, 1 target(s)" in markdown
    assert f"- **Managed elsewhere**: `config-recorder` by {OWNER}, 2 target(s)" in markdown

    run = prepare_run(BASELINE, inventory, parallelism=4)
    results = run.executor.apply()
    failed = {k: r.error for k, r in results.items() if r.status in ("failed", "skipped")}
    assert failed == {}
    trails = member_client("cloudtrail", MANAGEMENT_ACCOUNT).describe_trails()["trailList"]
    assert [t["Name"] for t in trails] == [ct.TRAIL]  # no second trail
    for account in members.values():
        recorders_now = member_client("config", account).describe_configuration_recorders()
        assert [r["name"] for r in recorders_now["ConfigurationRecorders"]] == [ct.RECORDER]
    assert ct.snapshot(members, REGIONS) == before  # trail, recorders, SCP, roles, StackSets untouched

    again = run_plan(inventory)
    assert {t["action"] for t in again["tasks"]} <= {"no-op", "detect"}
    assert {t["action"] for t in again["tasks"] if "managed_elsewhere" in t} == {"no-op"}


def test_a_gap_in_control_towers_trail_or_recorder_is_detect_with_the_human_step_never_a_change(landing_zone):
    members, inventory = landing_zone
    cloudtrail = member_client("cloudtrail", MANAGEMENT_ACCOUNT)
    cloudtrail.update_trail(Name=ct.TRAIL, EnableLogFileValidation=False)
    app = members["app-prod"]
    member_client("config", app).stop_configuration_recorder(ConfigurationRecorderName=ct.RECORDER)
    before = ct.snapshot(members, REGIONS)

    plan = run_plan(inventory, ["org-cloudtrail", "config-recorder"])
    (trail,) = tasks_of(plan, "org-cloudtrail").values()
    assert trail["action"] == "detect"
    assert trail["changes"] == [
        {"path": "control_tower_trail.log_file_validation_enabled", "before": False, "after": True}
    ]
    assert trail["human_step"].startswith("This trail belongs to AWS Control Tower")
    assert trail["managed_elsewhere"]["by"] == OWNER
    recorder = tasks_of(plan, "config-recorder")[app]
    assert (recorder["action"], recorder["changes"]) == (
        "detect",
        [{"path": "recording", "before": False, "after": True}],
    )
    assert "AWS Control Tower" in recorder["human_step"]
    text = "\n".join(plan_lines(plan))
    assert f"managed elsewhere[/cyan] by {OWNER}: trail {ct.TRAIL}" in text
    assert f"**Managed elsewhere** by {OWNER}: trail {ct.TRAIL} (by name)" in render_markdown(plan)

    run = prepare_run(BASELINE, inventory, parallelism=4, controls=["org-cloudtrail", "config-recorder"])
    results = run.executor.apply()
    statuses = {r.task.key: r.status for r in results.values() if r.task.account.id != MANAGEMENT_ACCOUNT}
    statuses[trail["key"]] = results[trail["key"]].status
    assert statuses[trail["key"]] == "out-of-state"
    assert statuses[recorder["key"]] == "out-of-state"
    assert all(not r.calls or not any(c.is_write for c in r.calls) for r in results.values() if r.managed)
    assert ct.snapshot(members, REGIONS) == before  # still one trail, validation still off: a person's job


def test_plan_json_marks_managed_tasks_and_validates_against_the_schema(landing_zone):
    jsonschema = pytest.importorskip("jsonschema")
    _, inventory = landing_zone
    plan = run_plan(inventory, ["org-cloudtrail"])
    schema = json.loads((Path(__file__).parent.parent / "docs" / "plan-schema.json").read_text())
    jsonschema.validate(plan, schema)
    plan["tasks"][0]["managed_elsewhere"]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plan, schema)


def test_scp_guardrails_never_takes_over_a_control_tower_guardrail_by_name():
    from remediations.scp_guardrails import ScpGuardrailsParams

    with pytest.raises(ValidationError, match="AWS Control Tower name"):
        ScpGuardrailsParams(policy_name=ct.GUARDRAIL_SCP)
    assert ScpGuardrailsParams(policy_name="soc2ctl-guardrails").policy_name == "soc2ctl-guardrails"


@pytest.mark.parametrize(
    ("name", "tags", "how"),
    [
        (ct.TRAIL, {}, "by name"),
        ("org-trail", {"aws-control-tower": "managed-by-control-tower"}, "by tag aws-control-tower="),
        (
            "org-trail",
            {"aws:cloudformation:stack-name": "StackSet-AWSControlTowerBP-BASELINE-X-1"},
            "by StackSet",
        ),
        ("org-trail", {"owner": "platform"}, None),
    ],
)
def test_control_towers_trail_is_recognised_by_name_tag_or_stackset_marker(aws, name, tags, how):
    from tests.helpers import ModuleRun

    create_org(None, ["app"])
    member_client("organizations", MANAGEMENT_ACCOUNT).enable_aws_service_access(
        ServicePrincipal="cloudtrail.amazonaws.com"
    )
    member_client("s3", MANAGEMENT_ACCOUNT).create_bucket(Bucket="ct-logs")
    cloudtrail = member_client("cloudtrail", MANAGEMENT_ACCOUNT)
    cloudtrail.create_trail(
        Name=name,
        S3BucketName="ct-logs",
        IsOrganizationTrail=True,
        IsMultiRegionTrail=True,
        TagsList=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    cloudtrail.start_logging(Name=name)
    result = ModuleRun("org-cloudtrail", {"bucket_name": "soc2ctl-trail-logs"}).plan()
    if how is None:  # somebody else's trail: soc2ctl makes its own, as without Control Tower
        assert result.managed is None and result.action == "create"
        return
    assert result.managed is not None and result.action == "detect"
    assert any(how in r for r in result.managed.resources), result.managed.resources
    # validation off, no KMS key (global service events are on by default): reported, never a second trail
    assert {c.path for c in result.changes} == {
        "control_tower_trail.log_file_validation_enabled",
        "control_tower_trail.kms_encrypted",
    }
