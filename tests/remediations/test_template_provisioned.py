"""What the run-time roles no longer write by default: the log buckets' policies (central-log-buckets) and the
CloudTrail delivery role (org-cloudtrail). Opt-in off: a missing or drifted bucket/policy/role is detected,
never written, and reported with the deploy template resource to deploy; the module's other fixes are still
made. Opt-in on: written, and a second apply changes nothing. And the deploy template itself, deployed into
moto with CloudFormation, leaves both modules nothing to change.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from soc2ctl.engine.plan import plan_document, task_json
from soc2ctl.policy import iam_template
from soc2ctl.render.markdown import render_markdown
from tests.helpers import ModuleRun, deploy_template, member_client, write_calls

MANAGEMENT = "123456789012"
ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "soc2ctl-roles.yaml"
GROUP = "/soc2/cloudtrail"
ROLE = "soc2ctl-cloudtrail-to-cloudwatch-logs"
KINDS = {"cloudtrail": "soc2ctl-cloudtrail", "config": "soc2ctl-config", "flow-logs": "soc2ctl-vpc-flow-logs"}


def buckets(account: str, manage: bool) -> dict:
    named = [{"name": f"{prefix}-{account}", "kind": kind} for kind, prefix in KINDS.items()]
    return {"buckets": named, "manage_bucket_policies": manage}


def trail(create_role: bool) -> dict:
    return {"cloudwatch_logs_log_group": GROUP, "create_delivery_role": create_role}


def s3(account: str = MANAGEMENT):
    return member_client("s3", account)


# ---------------------------------------------------------------- central-log-buckets


def test_policies_off_a_missing_bucket_is_a_detect_finding_naming_the_template_resource(org):
    run = ModuleRun("central-log-buckets", buckets(MANAGEMENT, manage=False))
    planned = run.plan()
    assert planned.action == "detect" and planned.managed is not None
    assert "LogBucketCloudtrail/LogBucketPolicyCloudtrail" in " ".join(planned.managed.resources)
    assert "deploy/soc2ctl-roles.yaml" in planned.managed.human_step
    applied = run.apply()
    assert applied.status == "out-of-state" and write_calls(applied) == []
    assert not [b for b in s3().list_buckets()["Buckets"] if b["Name"].startswith("soc2ctl-")]


def test_policies_off_a_drifted_policy_is_left_but_the_other_settings_are_fixed(org):
    assert ModuleRun("central-log-buckets", buckets(MANAGEMENT, manage=True)).apply().status == "changed"
    name = f"soc2ctl-config-{MANAGEMENT}"
    s3().put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    opened = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
              "Resource": f"arn:aws:s3:::{name}/*"}]}  # fmt: skip
    s3().put_bucket_policy(Bucket=name, Policy=json.dumps(opened))

    run = ModuleRun("central-log-buckets", buckets(MANAGEMENT, manage=False))
    planned = run.plan()
    assert planned.action == "update"  # versioning is still soc2ctl's to fix
    # the plan is what apply writes: the policy is beside it, held back, with the step for a person
    assert {c.keys[:3] for c in planned.changes} == {("buckets", name, "versioning")}
    assert planned.held is not None and {c.keys[:3] for c in planned.held.changes} == {
        ("buckets", name, "policy")
    }
    shown = task_json(planned)
    assert [c["path"] for c in shown["changes"]] == [f"buckets.{name}.versioning"]
    assert shown["held_back"]["changes"][0]["path"].startswith(f"buckets.{name}.policy")
    review = render_markdown(
        plan_document({planned.task.key: planned}, run_id="r", playbook={}, inventory={})
    )
    assert f"**Held back** (apply does not write these): buckets.{name}.policy" in review
    applied = run.apply()
    assert write_calls(applied) == ["s3:PutBucketVersioning"]  # never the policy
    assert applied.status == "out-of-state" and applied.managed is not None
    assert applied.managed.resources == (f"LogBucketConfig/LogBucketPolicyConfig ({name})",)
    assert json.loads(s3().get_bucket_policy(Bucket=name)["Policy"]) == opened
    assert s3().get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    again = run.plan()
    assert again.action == "detect" and {c.keys[:3] for c in again.changes} == {("buckets", name, "policy")}


def test_policies_on_creates_and_writes_then_changes_nothing(org):
    run = ModuleRun("central-log-buckets", buckets(MANAGEMENT, manage=True))
    applied = run.apply()
    assert applied.status == "changed" and "s3:PutBucketPolicy" in write_calls(applied)
    assert run.plan().action == "no-op"
    assert write_calls(run.apply()) == []


# ---------------------------------------------------------------- org-cloudtrail's delivery role


def test_delivery_role_off_the_trail_is_made_and_the_missing_role_is_a_detect_finding(org):
    run = ModuleRun("org-cloudtrail", trail(create_role=False))
    applied = run.apply()
    writes = write_calls(applied)
    assert "cloudtrail:CreateTrail" in writes and "logs:CreateLogGroup" in writes
    assert not [w for w in writes if w.startswith("iam:") and w != "iam:CreateServiceLinkedRole"], writes
    assert applied.status == "out-of-state" and applied.managed is not None
    assert "CloudTrailDeliveryRole" in applied.managed.human_step and ROLE in applied.managed.human_step
    found = member_client("cloudtrail", MANAGEMENT).describe_trails()["trailList"][0]
    assert not found.get("CloudWatchLogsRoleArn")  # CloudTrail would refuse a role that is not there
    again = run.plan()
    assert again.action == "detect"
    assert {c.keys[:2] for c in again.changes} <= {
        ("cloudwatch_logs", "role_trust"),
        ("cloudwatch_logs", "role_policy"),
        ("trail", "cloudwatch_logs_log_group_arn"),
        ("trail", "cloudwatch_logs_role_arn"),
    }
    assert write_calls(run.apply()) == []


def test_delivery_role_off_a_role_with_a_wrong_trust_is_never_rewritten(org):
    assert ModuleRun("org-cloudtrail", trail(create_role=True)).apply().status == "changed"
    iam = member_client("iam", MANAGEMENT)
    anyone = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
              "Action": "sts:AssumeRole"}]}  # fmt: skip
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(anyone))
    run = ModuleRun("org-cloudtrail", trail(create_role=False))
    planned = run.plan()
    assert planned.action == "detect"
    assert {c.keys[:2] for c in planned.changes} == {("cloudwatch_logs", "role_trust")}
    assert write_calls(run.apply()) == []
    assert iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "*"
    }


def test_delivery_role_on_creates_the_role_then_changes_nothing(org):
    run = ModuleRun("org-cloudtrail", trail(create_role=True))
    applied = run.apply()
    assert applied.status == "changed"
    assert {"iam:CreateRole", "iam:PutRolePolicy"} <= set(write_calls(applied))
    assert run.plan().action == "no-op"
    assert write_calls(run.apply()) == []


# ---------------------------------------------------------------- the deploy template, in CloudFormation


def test_the_committed_template_deployed_leaves_the_modules_nothing_to_change(org):
    """The management account is also the log archive here (the baseline's default): one stack creates the
    execution roles, the three log buckets with their policies, and the delivery role."""
    org_id = member_client("organizations", MANAGEMENT).describe_organization()["Organization"]["Id"]
    deploy_template(TEMPLATE.read_text(), MANAGEMENT, org_id)

    log_buckets = ModuleRun("central-log-buckets", buckets(MANAGEMENT, manage=False))
    planned = log_buckets.plan()
    assert (planned.action, planned.changes) == ("no-op", [])

    cloudtrail = ModuleRun("org-cloudtrail", {**trail(create_role=False), "manage_bucket": False,
                           "bucket_name": f"soc2ctl-cloudtrail-{MANAGEMENT}"})  # fmt: skip
    applied = cloudtrail.apply()  # the trail is soc2ctl's to create; the role is the template's
    assert applied.status == "changed", applied.error
    assert not [w for w in write_calls(applied) if w.startswith("iam:") and "ServiceLinked" not in w]
    found = member_client("cloudtrail", MANAGEMENT).describe_trails()["trailList"][0]
    assert found["CloudWatchLogsRoleArn"] == f"arn:aws:iam::{MANAGEMENT}:role/{ROLE}"
    assert cloudtrail.plan().action == "no-op"


def test_a_template_generated_with_other_names_creates_what_the_modules_expect(org, tmp_path):
    """Names come from the playbook (rendered with its vars): a renamed bucket or log group is what the
    template creates, from the same functions the modules compare against."""
    variables = {"cloudtrail_bucket_name": "soc2ctl-trail-logs-test", "cloudtrail_log_group": "/audit/trail"}
    body = yaml.safe_dump(iam_template.template(ROOT / "playbooks" / "soc2-baseline.yml", "t", variables))
    org_id = member_client("organizations", MANAGEMENT).describe_organization()["Organization"]["Id"]
    deploy_template(body, MANAGEMENT, org_id)
    params = buckets(MANAGEMENT, manage=False)
    params["buckets"][0]["name"] = "soc2ctl-trail-logs-test"
    assert ModuleRun("central-log-buckets", params).plan().action == "no-op"
    role_policy = member_client("iam", MANAGEMENT).get_role_policy(RoleName=ROLE, PolicyName=ROLE)
    (statement,) = role_policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == [
        f"arn:aws:logs:us-east-1:{MANAGEMENT}:log-group:/audit/trail:log-stream:*"
    ]
