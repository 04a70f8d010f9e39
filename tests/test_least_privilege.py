"""Least privilege that holds up: what the apply role could use to escalate is scoped to what soc2ctl
manages, the plan role only reads, and parliament (an IAM policy linter) checks every generated policy.

parliament's checks are partly action-only heuristics: its community privilege-escalation auditor flags
`iam:AttachUserPolicy` whatever the resource or condition, and its resource-policy check flags
`s3:PutBucketPolicy` on any bucket without object access. Those two remain, on soc2ctl's own resources
and conditions only; `KNOWN_SCOPED` lists them and the tests prove each is scoped. Any other escalation
finding, or either of these on `*`, fails.
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
KNOWN_SCOPED = {
    "PRIVILEGE_ESCALATION AttachUserPolicy",
    # org-cloudtrail's CloudWatch Logs delivery role (#19): soc2ctl-* roles only (test_risky_actions_...)
    "PRIVILEGE_ESCALATION PutRolePolicy",
    "PRIVILEGE_ESCALATION UpdateRolePolicyToAssumeIt",
    "RESOURCE_POLICY_PRIVILEGE_ESCALATION arn:aws:s3:::soc2ctl-*",
}


def escalations(doc: dict) -> set[str]:
    policy = analyze_policy_string(json.dumps(doc), include_community_auditors=True)
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
    every_action = {a for m in registry.registry().values() for a in (*m.read_actions, *m.write_actions)}
    docs.append(("every module", {"Version": "2012-10-17", "Statement": statements(every_action)}))
    template = yaml.safe_load(TEMPLATE.read_text())
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            docs.append((f"template {name}", resource["Properties"]["PolicyDocument"]))
    return docs


@pytest.mark.parametrize(("label", "doc"), generated(), ids=lambda v: v if isinstance(v, str) else "")
def test_parliament_finds_no_unscoped_privilege_escalation(label, doc):
    found = escalations(doc)
    assert found <= KNOWN_SCOPED, f"{label}: {sorted(found - KNOWN_SCOPED)}"
    if label.startswith(("plan/", "template Plan")):
        assert found == set(), f"{label}: the plan role must not be able to escalate"


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


def _statements_with(action: str) -> list[dict]:
    every_action = {a for m in registry.registry().values() for a in (*m.read_actions, *m.write_actions)}
    return [s for s in statements(every_action) if action in s["Action"]]


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
