"""Least privilege that holds up: what the apply role could use to escalate is scoped to what soc2ctl
manages, the plan role only reads, and parliament (an IAM policy linter) checks every generated policy.

An opt-in fix's writes are granted only when a control turns it on (`conditional_writes`): with the shipped
baseline, iam-user-mfa's `iam:AttachUserPolicy` is not in any policy, and parliament's action-only
`AttachUserPolicy` finding is gone.

Three findings remain, each a parliament heuristic that no resource name or condition can satisfy, and
each closed in the generated policy by an explicit deny (soc2ctl.policy.guards) that the tests below prove:
- `RESOURCE_POLICY_PRIVILEGE_ESCALATION` on `soc2ctl-*` buckets (apply role): parliament flags any
  `s3:PutBucketPolicy` without object access to the same bucket, i.e. it would only be satisfied by
  granting the apply role the audit logs. The apply role is instead denied object access there outright.
- `PutRolePolicy` / `UpdateRolePolicyToAssumeIt` (caller, apply): flagged for holding `iam:PutRolePolicy`
  or `iam:UpdateAssumeRolePolicy` next to `sts:AssumeRole`, whatever the resources. The caller writes only
  `soc2ctl-*` roles (org-cloudtrail's delivery role, when it runs in the management account), may assume
  only the execution role, and is denied every role write on the execution roles.
A caller run from outside the management account (`--caller-in other`) holds no module action and has
no finding. `REMAINING` lists the three; any other finding, in any generated policy, fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from parliament import analyze_policy_string

from soc2ctl import registry
from soc2ctl.policy.iam_policy import SCOPED_GRANTS, PolicyRequest, build_policies, statements

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "playbooks" / "soc2-baseline.yml"
TEMPLATE = ROOT / "deploy" / "soc2ctl-roles.yaml"
OPTIONS = {"evidence": "s3://evidence-bucket/runs", "lock": "dynamodb:locks", "findings": "securityhub"}
MANAGED_BUCKETS = "RESOURCE_POLICY_PRIVILEGE_ESCALATION arn:aws:s3:::soc2ctl-*"
ROLE_WRITES_BESIDE_ASSUME = {
    "PRIVILEGE_ESCALATION PutRolePolicy",
    "PRIVILEGE_ESCALATION UpdateRolePolicyToAssumeIt",
}
REMAINING = {"apply/member": {MANAGED_BUCKETS}, "apply/caller": ROLE_WRITES_BESIDE_ASSUME}


def resolved(value):
    """A template's policy as IAM sees it in the commercial partition (`Fn::Sub` of ${AWS::Partition})."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return value["Fn::Sub"].replace("${AWS::Partition}", "aws")
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return value


def escalations(doc: dict) -> set[str]:
    policy = analyze_policy_string(json.dumps(resolved(doc)), include_community_auditors=True)
    found = set()
    for f in policy.findings:
        if "ESCALATION" not in f.issue:
            continue
        where = f.location.get("type") if isinstance(f.location, dict) and f.location.get("type") else None
        where = where or str(f.detail).split(" on ", 1)[-1].split(" due to", 1)[0]
        found.add(f"{f.issue} {where}")
    return found


def generated() -> list[tuple[str, dict]]:
    docs = []
    for mode in ("plan", "apply"):
        for role in ("member", "caller"):
            extra = OPTIONS if role == "caller" else {}
            request = PolicyRequest(mode=mode, role=role, **extra)
            docs += [(f"{mode}/{role}", d) for d in build_policies(BASELINE, request)]
        # a caller outside the management account only assumes roles: nothing left to flag
        elsewhere = PolicyRequest(mode=mode, role="caller", caller_in_management=False, **OPTIONS)
        docs += [(f"{mode}/caller-elsewhere", d) for d in build_policies(BASELINE, elsewhere)]
    template = yaml.safe_load(TEMPLATE.read_text())
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            docs.append((f"template {name}", resource["Properties"]["PolicyDocument"]))
    return docs


def remaining(label: str) -> set[str]:
    if label.startswith("template Apply"):
        return REMAINING["apply/member"]  # the template's apply role is the member policy
    return REMAINING.get(label, set())


@pytest.mark.parametrize(("label", "doc"), generated(), ids=lambda v: v if isinstance(v, str) else "")
def test_parliament_finds_no_privilege_escalation_but_the_closed_heuristics(label, doc):
    found = escalations(doc)
    assert found <= remaining(label), f"{label}: {sorted(found - remaining(label))}"
    if label.startswith(("plan/", "template Plan")):
        assert found == set(), f"{label}: the plan role must not be able to escalate"


def test_the_baseline_grants_no_opt_in_escalation():
    """iam-user-mfa's deny policy is off in the baseline: nothing may attach user policies."""
    for label, doc in generated():
        actions = {a for s in doc["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}
        assert not actions & {"iam:AttachUserPolicy", "iam:CreatePolicy"}, label
        assert "PRIVILEGE_ESCALATION AttachUserPolicy" not in escalations(doc), label


def _denies(docs: list[dict]) -> list[dict]:
    return [s for d in docs for s in d["Statement"] if s["Effect"] == "Deny"]


def test_bucket_policy_writes_cannot_reach_the_objects():
    """Whoever may write the managed buckets' policies is denied their objects, so no policy it writes
    can give it the audit logs (an identity policy's explicit deny wins over a bucket policy's allow)."""
    docs = build_policies(BASELINE, PolicyRequest(mode="apply"))
    writes = [s for d in docs for s in d["Statement"] if "s3:PutBucketPolicy" in s["Action"]]
    assert writes and all(s["Resource"] == ["arn:aws:s3:::soc2ctl-*"] for s in writes)
    (deny,) = [s for s in _denies(docs) if s["Sid"] == "NoObjectAccessInManagedBuckets"]
    assert deny["Resource"] == ["arn:aws:s3:::soc2ctl-*/*"]
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"} <= set(
        deny["Action"]
    )


@pytest.mark.parametrize("role", ["member", "caller"])
def test_role_writes_never_reach_the_execution_roles(role):
    """The caller may assume the execution role only, and no policy may write to an execution role:
    PutRolePolicy and sts:AssumeRole side by side give no way to a role with more rights."""
    docs = build_policies(BASELINE, PolicyRequest(mode="apply", role=role))
    (deny,) = [s for s in _denies(docs) if s["Sid"] == "NeverChangeExecutionRoles"]
    assert {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreateRole"} <= set(deny["Action"])
    assert deny["Resource"] == ["arn:aws:iam::*:role/soc2ctl-apply", "arn:aws:iam::*:role/soc2ctl-plan"]
    assumable = [s["Resource"] for d in docs for s in d["Statement"] if "sts:AssumeRole" in s["Action"]]
    assert assumable == ([] if role == "member" else ["arn:aws:iam::*:role/soc2ctl-apply"])


def test_the_denies_are_in_the_template_too():
    template = yaml.safe_load(TEMPLATE.read_text())
    docs = [
        resolved(r["Properties"]["PolicyDocument"])
        for name, r in template["Resources"].items()
        if name.startswith("ApplyPolicy")
    ]
    assert {s["Sid"] for s in _denies(docs)} == {
        "NeverChangeExecutionRoles",
        "NoObjectAccessInManagedBuckets",
    }


def test_the_linter_catches_the_old_unscoped_grants():
    """The same actions on `*` with no condition (what the apply policy used to grant) are flagged."""
    old = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "iam:CreatePolicy", "iam:AttachUserPolicy", "s3:PutBucketPolicy"],
                "Resource": "*",
            }
        ],
    }
    assert "RESOURCE_POLICY_PRIVILEGE_ESCALATION *" in escalations(old)
    assert "PRIVILEGE_ESCALATION AttachUserPolicy" in escalations(old)


def test_an_opt_in_fix_turned_on_brings_its_scoped_grant(tmp_path):
    """With iam-user-mfa's deny policy on, the attach is granted on soc2ctl's policies only."""
    docs = build_policies(
        BASELINE, PolicyRequest(mode="apply", variables={"iam_user_mfa_enforce_deny": True})
    )
    (attach,) = [s for d in docs for s in d["Statement"] if "iam:AttachUserPolicy" in s["Action"]]
    assert attach["Condition"] == {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::*:policy/soc2ctl-*"}}


def _statements_with(action: str, partition: str = "aws") -> list[dict]:
    every_action = {a for m in registry.registry().values() for a in (*m.read_actions, *m.write_actions)}
    return [s for s in statements(every_action, partition=partition) if action in s["Action"]]


@pytest.mark.parametrize("action", sorted(SCOPED_GRANTS))
def test_risky_actions_only_on_managed_resources(action):
    (stmt,) = _statements_with(action)
    assert stmt["Action"] == [action]
    assert "*" not in stmt["Resource"] and all(
        "soc2ctl-" in r or "AWSBackup" in r or ":user/" in r for r in stmt["Resource"]
    )


def test_pass_role_names_the_service_and_attach_names_the_policy():
    (pass_role,) = _statements_with("iam:PassRole")
    services = ["backup.amazonaws.com", "cloudtrail.amazonaws.com"]  # cloudtrail: the CloudWatch Logs role
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": services}}
    (attach,) = _statements_with("iam:AttachUserPolicy")
    assert attach["Condition"]["ArnLike"]["iam:PolicyARN"] == "arn:aws:iam::*:policy/soc2ctl-*"
    (gov,) = _statements_with("iam:AttachUserPolicy", "aws-us-gov")
    assert gov["Condition"]["ArnLike"]["iam:PolicyARN"] == "arn:aws-us-gov:iam::*:policy/soc2ctl-*"


def test_plan_role_is_read_only():
    writes = {a for m in registry.registry().values() for a in m.write_actions}
    reads = {a for m in registry.registry().values() for a in m.read_actions}
    for role in ("member", "caller"):
        for doc in build_policies(BASELINE, PolicyRequest(mode="plan", role=role)):
            actions = {a for s in doc["Statement"] for a in s["Action"]}
            assert not (actions & (writes - reads)), role


def test_drift_findings_caller_can_update_findings():
    docs = build_policies(BASELINE, PolicyRequest(mode="plan", role="caller", findings="securityhub"))
    actions = {a for d in docs for s in d["Statement"] for a in s["Action"]}
    assert "securityhub:BatchUpdateFindings" in actions
