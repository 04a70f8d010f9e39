"""The scheduling recipes in docs/examples/ parse and say what the docs say they do: a copied example that
does not load, or that runs something other than `soc2ctl drift`, is a broken recipe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "docs" / "examples"


def load(path: Path) -> Any:
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


@pytest.mark.parametrize(
    "path", sorted([*EXAMPLES.glob("*.y*ml"), *EXAMPLES.glob("*.json")]), ids=lambda p: p.name
)
def test_example_parses(path: Path):
    assert isinstance(load(path), dict)


def test_eventbridge_scheduler_runs_a_fargate_drift_task():
    template = load(EXAMPLES / "eventbridge-ecs-drift.yaml")
    resources = template["Resources"]
    schedule = next(r for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule")
    ecs = schedule["Properties"]["Target"]["EcsParameters"]
    assert ecs["LaunchType"] == "FARGATE" and ecs["TaskDefinitionArn"] == {"Ref": "TaskDefinition"}
    container = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert "soc2ctl drift" in " ".join(container["Command"])
    assert resources["TaskDefinition"]["Properties"]["RequiresCompatibilities"] == ["FARGATE"]


def test_task_definition_and_schedule_json():
    task = load(EXAMPLES / "ecs-task-definition.json")
    assert task["containerDefinitions"][0]["command"][0] == "drift"
    schedule = load(EXAMPLES / "eventbridge-schedule.json")
    assert schedule["Target"]["EcsParameters"]["LaunchType"] == "FARGATE"


def test_github_actions_cron_assumes_a_role_with_oidc():
    workflow = load(EXAMPLES / "github-actions-drift.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["schedule"][0]["cron"]
    assert workflow["permissions"]["id-token"] == "write"
    steps = workflow["jobs"]["drift"]["steps"]
    creds = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials"))
    assert creds["with"]["role-to-assume"].startswith("arn:aws:iam::")
    assert any("soc2ctl drift" in s.get("run", "") for s in steps)


def test_crontab_and_dockerfile_run_soc2ctl():
    cron = [line for line in (EXAMPLES / "crontab").read_text().splitlines() if line and line[0].isdigit()]
    assert len(cron) == 1 and len(cron[0].split()) > 6 and "soc2ctl drift" in cron[0]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and 'ENTRYPOINT ["soc2ctl"]' in dockerfile


# ---------------------------------------------------------------- GitHub workflows against GitHub's schema

WORKFLOWS = sorted(EXAMPLES.glob("github-actions-*.yml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_against_the_github_workflow_schema(path: Path):
    """check-jsonschema ships SchemaStore's GitHub workflow schema (vendored, so this runs offline) and
    reads YAML 1.2 as GitHub does (`on` stays a key); a typo in a copied workflow fails here, not in CI."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_schema_violation_is_caught(tmp_path: Path):
    """The check above can fail: a workflow with a misspelt key is refused."""
    import subprocess
    import sys

    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(bad)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0


def test_pull_request_workflow_plans_comments_and_applies_the_reviewed_plan():
    workflow = load(EXAMPLES / "github-actions-pull-request.yml")
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    plan_steps = workflow["jobs"]["plan"]["steps"]
    plan_run = next(s["run"] for s in plan_steps if s.get("id") == "plan")
    assert "--out plan.json" in plan_run and "--detailed-exitcode" in plan_run
    assert "show plan.json --format markdown --max-chars" in plan_run
    upload = next(s for s in plan_steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "plan.json" in upload["with"]["path"]
    comment = next(s for s in plan_steps if s.get("uses", "").startswith("actions/github-script"))
    script = comment["with"]["script"]
    assert "updateComment" in script and "createComment" in script  # one comment, updated in place
    assert workflow["jobs"]["plan"]["permissions"]["pull-requests"] == "write"
    apply_steps = workflow["jobs"]["apply"]["steps"]
    download = next(s for s in apply_steps if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["run-id"] == "${{ steps.reviewed.outputs.run_id }}"
    apply_run = next(s for s in apply_steps if "soc2ctl apply" in s.get("run", ""))
    assert "REVIEWED_SHA256" in apply_run["env"] and '"$REVIEWED_SHA256"' in apply_run["run"]
    assert "soc2ctl apply plan.json" in apply_run["run"]  # exactly the saved plan, no re-plan
