"""`soc2ctl iam-policy`: least privilege from declared actions, valid IAM, deterministic, and the StackSet
template that ships it (current with the code, and clean under cfn-lint, which also knows every real action)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from cfnlint.api import ManualArgs, lint
from typer.testing import CliRunner

from soc2ctl import registry
from soc2ctl.aws.iam_actions import iam_action
from soc2ctl.cli.main import app
from soc2ctl.policy import iam_policy, iam_template
from soc2ctl.policy.iam_policy import (
    PolicyRequest,
    build_policies,
    policy_size,
    split_policy,
    statements,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "playbooks" / "soc2-baseline.yml"
TEMPLATE = ROOT / "deploy" / "soc2ctl-roles.yaml"
ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
runner = CliRunner()


def _actions(docs: list[dict]) -> set[str]:
    """What the policies allow (their denies are soc2ctl.policy.guards', tested in test_least_privilege)."""
    return {a for d in docs for s in d["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}


def _baseline_modules() -> list:
    return iam_policy.playbook_modules(BASELINE)


def _playbook(tmp_path: Path, *modules: str) -> Path:
    controls = [{"id": m, "remediation": m} for m in modules]
    path = tmp_path / "pb.yml"
    path.write_text(yaml.safe_dump({"name": "t", "hosts": "all", "controls": controls}))
    return path


def test_plan_policy_is_read_only_and_apply_adds_writes():
    modules = _baseline_modules()
    reads = {a for m in modules for a in m.read_actions} | {
        "ec2:DescribeRegions"
    }  # the engine's region check
    writes = {a for m in modules for a in m.write_actions} - reads
    opt_in = {"iam:AttachUserPolicy", "iam:CreatePolicy"}  # iam-user-mfa's deny policy: off in the baseline
    # the CloudTrail delivery role and the log buckets' policies: the deploy template's, off in the baseline
    opt_in |= {"iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"}
    opt_in |= {"s3:CreateBucket", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy"}
    plan = _actions(build_policies(BASELINE, PolicyRequest("plan")))
    apply = _actions(build_policies(BASELINE, PolicyRequest("apply")))
    assert plan == reads
    assert not plan & writes
    assert apply == reads | (writes - opt_in)
    on = ("iam_user_mfa_enforce_deny", "cloudtrail_create_delivery_role", "log_buckets_manage_policies")
    enforce = PolicyRequest("apply", variables=dict.fromkeys((*on, "s3_tls_only_write_policies"), True))
    assert _actions(build_policies(BASELINE, enforce)) == reads | writes


def test_a_conditional_write_follows_its_parameter(tmp_path):
    """Granted where a control turns the parameter on, by value or by template; when the parameters cannot
    be known without an account, every write is granted (a missing grant would fail the run)."""
    path = tmp_path / "pb.yml"

    def writes(desired) -> set[str]:
        control = {"id": "mfa", "remediation": "iam-user-mfa", "desired": desired}
        path.write_text(
            yaml.safe_dump({"name": "t", "hosts": "all", "vars": {"on": False}, "controls": [control]})
        )
        return _actions(build_policies(path, PolicyRequest("apply"))) & {"iam:AttachUserPolicy"}

    assert writes({}) == set()
    assert writes({"enforce_deny_without_mfa": True}) == {"iam:AttachUserPolicy"}
    assert writes({"enforce_deny_without_mfa": "{{ on }}"}) == set()
    assert writes({"enforce_deny_without_mfa": "{{ 'no' }}"}) == set()
    assert writes({"enforce_deny_without_mfa": "{{ 'yes' }}"}) == {"iam:AttachUserPolicy"}
    on_for_one = {"iam:AttachUserPolicy"}  # true in some account: granted
    assert writes({"enforce_deny_without_mfa": "{{ account_id == '111111111111' }}"}) == on_for_one
    assert writes({"enforce_deny_without_mfa": "{{ on }}"}) == set()
    result = runner.invoke(app, ["iam-policy", str(path), "-m", "apply", "-e", "on=true"])
    assert result.exit_code == 0, result.output
    assert "iam:AttachUserPolicy" in result.stdout


def test_only_the_playbooks_modules_count(tmp_path):
    path = _playbook(tmp_path, "iam-password-policy")
    (doc,) = build_policies(path, PolicyRequest("apply"))
    assert doc["Statement"] == [
        {
            "Sid": "Iam",
            "Effect": "Allow",
            "Action": ["iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy"],
            "Resource": "*",
        }
    ]


@pytest.mark.parametrize("role", ["member", "caller"])
@pytest.mark.parametrize("mode", ["plan", "apply"])
def test_valid_iam_json_sorted_by_service(mode, role):
    docs = build_policies(BASELINE, PolicyRequest(mode, role))
    for doc in docs:
        assert doc["Version"] == "2012-10-17"
        sids = [s["Sid"] for s in doc["Statement"]]
        assert len(set(sids)) == len(sids) and all(re.fullmatch(r"[A-Za-z0-9]+", s) for s in sids)
        for stmt in doc["Statement"]:
            assert stmt["Effect"] == "Allow" or stmt["Sid"].startswith(("Never", "No")), stmt
            assert stmt["Resource"]
            assert stmt["Action"] == sorted(stmt["Action"]) and all(ACTION.match(a) for a in stmt["Action"])
            assert len({a.split(":")[0] for a in stmt["Action"]}) == 1
        assert policy_size(doc) <= iam_policy.MANAGED_POLICY_MAX_CHARS
    services = [
        s["Action"][0].split(":")[0]
        for d in docs
        for s in d["Statement"]
        if s["Sid"] != "AssumeExecutionRole" and s["Effect"] == "Allow"
    ]
    assert services == sorted(services)
    assert docs == build_policies(BASELINE, PolicyRequest(mode, role))


def test_caller_assumes_only_the_execution_role_and_discovers():
    (doc,) = build_policies(BASELINE, PolicyRequest("plan", "caller", "soc2ctl-plan"))
    assume = doc["Statement"][0]
    assert assume["Action"] == ["sts:AssumeRole"] and assume["Resource"] == "arn:aws:iam::*:role/soc2ctl-plan"
    actions = _actions([doc])
    assert set(iam_policy.ENGINE_CALLER_ACTIONS) <= actions
    org_scope = {a for m in _baseline_modules() if m.scope.value == "org" for a in m.read_actions}
    assert org_scope <= actions
    regional = {a for m in _baseline_modules() if m.scope.value == "region" for a in m.read_actions}
    assert not (regional - org_scope - set(iam_policy.ENGINE_CALLER_ACTIONS)) & actions


def test_a_caller_outside_the_management_account_only_assumes_and_discovers():
    request = PolicyRequest("apply", "caller", caller_in_management=False)
    (doc,) = build_policies(BASELINE, request)
    assert _actions([doc]) == set(iam_policy.ENGINE_CALLER_ACTIONS) | {"sts:AssumeRole"}
    result = runner.invoke(
        app, ["iam-policy", "soc2-baseline", "-m", "apply", "--role", "caller", "--caller-in", "other"]
    )
    assert result.exit_code == 0 and json.loads(result.stdout) == doc


def test_large_policies_are_split_by_statement():
    acts = [f"svc{i}:Describe{'X' * 40}{j}" for i in range(40) for j in range(5)]
    docs = split_policy(statements(acts))
    assert len(docs) > 1
    assert all(policy_size(d) <= iam_policy.MANAGED_POLICY_MAX_CHARS for d in docs)
    assert _actions(docs) == set(acts)


def test_iam_action_names_follow_iam_not_the_api():
    assert iam_action("s3control", "s3", "GetPublicAccessBlock") == "s3:GetAccountPublicAccessBlock"
    assert iam_action("s3", "s3", "HeadBucket") == "s3:ListBucket"
    assert iam_action("cloudwatch", "monitoring", "PutMetricAlarm") == "cloudwatch:PutMetricAlarm"
    assert iam_action("ec2", "ec2", "DescribeVpcs") == "ec2:DescribeVpcs"


# ---------------------------------------------------------------- CLI


def test_cli_prints_the_policy_document():
    result = runner.invoke(app, ["iam-policy", "soc2-baseline", "--mode", "apply"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    docs = build_policies(BASELINE, PolicyRequest("apply"))  # the baseline's grew past one managed policy
    assert doc == (docs[0] if len(docs) == 1 else docs)


def test_cli_warns_and_prints_a_list_when_too_large(monkeypatch):
    monkeypatch.setattr(iam_policy, "MANAGED_POLICY_MAX_CHARS", 400)
    monkeypatch.setattr(iam_policy.split_policy, "__defaults__", (400,))
    result = runner.invoke(app, ["iam-policy", "soc2-baseline", "--mode", "apply"])
    assert result.exit_code == 0
    assert isinstance(json.loads(result.stdout), list)
    assert "warning" in result.stderr and "managed policy" in result.stderr


def test_cli_errors_say_what_to_do():
    result = runner.invoke(app, ["iam-policy", "no-such-playbook"])
    assert result.exit_code == 1
    assert "no such playbook; give a path to one, or a shipped name: soc2-baseline" in result.stderr


# ---------------------------------------------------------------- CloudFormation


def _lint(text: str) -> list[str]:
    return [str(m) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))]


def test_committed_template_is_current():
    current = iam_template.render(BASELINE, "soc2-baseline")
    assert TEMPLATE.read_text() == current, (
        "deploy/soc2ctl-roles.yaml is stale; regenerate it with: "
        "soc2ctl iam-policy soc2-baseline --format cloudformation > deploy/soc2ctl-roles.yaml"
    )


def test_committed_template_passes_cfn_lint():
    assert _lint(TEMPLATE.read_text()) == []


def test_template_roles_trust_only_their_own_named_callers_with_an_external_id():
    doc = yaml.safe_load(TEMPLATE.read_text())
    roles = {k: v for k, v in doc["Resources"].items() if v["Type"] == "AWS::IAM::Role"}
    # the CloudTrail delivery role, created only in the management account, trusts CloudTrail alone
    delivery = roles.pop("CloudTrailDeliveryRole")
    assert delivery["Condition"] == "InManagementAccount"
    (trust,) = delivery["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": ["cloudtrail.amazonaws.com"]}
    assert sorted(roles) == ["ApplyRole", "PlanRole"]
    for name, role in roles.items():
        (stmt,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert stmt["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
        prefix = name.removesuffix("Role")
        assert stmt["Principal"] == {"AWS": {"Ref": f"{prefix}CallerRoleArns"}}  # named roles, not :root
        assert doc["Parameters"][f"{prefix}CallerRoleArns"]["Type"] == "CommaDelimitedList"
    assert "TrustedAccountId" not in doc["Parameters"]
    policies = {
        k: v["Properties"]["PolicyDocument"]
        for k, v in doc["Resources"].items()
        if v["Type"] == "AWS::IAM::ManagedPolicy"
    }
    plan = _actions([d for k, d in policies.items() if k.startswith("Plan")])
    assert plan == _actions(build_policies(BASELINE, PolicyRequest("plan")))


def test_every_declared_action_of_every_module_is_a_real_iam_action():
    """cfn-lint knows the IAM actions of every service: a typo in any module's tuple fails here."""
    actions = {a for m in registry.registry().values() for a in (*m.read_actions, *m.write_actions)}
    resources = {
        f"Policy{i}": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc}}
        for i, doc in enumerate(split_policy(statements(actions)), start=1)
    }
    text = yaml.safe_dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
    assert _lint(text) == []


def test_caller_gets_the_run_resources_scoped_to_themselves():
    request = PolicyRequest(
        "apply",
        "caller",
        evidence="s3://acme-evidence/soc2",
        lock="dynamodb:soc2ctl-locks",
        notify="sns:arn:aws:sns:us-east-1:111111111111:drift",
        findings="securityhub",
    )
    (doc,) = build_policies(BASELINE, request)
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["EvidenceObjects"]["Resource"] == "arn:aws:s3:::acme-evidence/soc2/*"
    assert "s3:PutObjectRetention" in by_sid["EvidenceObjects"]["Action"]  # PutObject with Object Lock mode
    assert by_sid["EvidenceBucket"]["Resource"] == "arn:aws:s3:::acme-evidence"
    assert by_sid["ApplyLock"]["Resource"] == "arn:aws:dynamodb:*:*:table/soc2ctl-locks"
    assert by_sid["DriftNotify"] == {
        "Sid": "DriftNotify",
        "Effect": "Allow",
        "Action": ["sns:Publish"],
        "Resource": "arn:aws:sns:us-east-1:111111111111:drift",
    }
    resources = {"Caller": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc}}}
    assert _lint(yaml.safe_dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lock", "dynamodb:t"], "are the caller's: add --role caller"),
        (["--role", "caller", "--evidence", "bucket/x"], "give the S3 location as s3://BUCKET/PREFIX"),
        (["--role", "caller", "--lock", "redis:x"], "use 'local' or 'dynamodb:TABLE'"),
    ],
)
def test_run_option_errors(args, message):
    result = runner.invoke(app, ["iam-policy", "soc2-baseline", *args])
    assert result.exit_code == 1
    assert message in " ".join(result.stderr.split())
