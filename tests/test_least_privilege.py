"""Least privilege that holds up: what the apply role could use to escalate is scoped to what soc2ctl
manages, the plan role only reads, and parliament (an IAM policy linter) checks every generated policy.

With the shipped baseline parliament finds NO privilege escalation in any generated policy (plan and apply;
execution role, caller, caller outside the management account) nor in deploy/soc2ctl-roles.yaml. That holds
because soc2ctl's run-time roles write no IAM role, trust policy, role policy or bucket policy by default:
the template provisions the CloudTrail delivery role and the log buckets with their policies (built by the
same functions the modules compare against), and the modules check them every run. Each such write is an
opt-in (`conditional_writes`), granted only when a control turns it on:

- `manage_bucket_policies` (central-log-buckets) / `write_bucket_policies` (s3-bucket-tls-only):
  `s3:PutBucketPolicy` on `soc2ctl-*` buckets. Parliament then reports
  `RESOURCE_POLICY_PRIVILEGE_ESCALATION` (a bucket-policy write without object access to the same bucket,
  which only granting the apply role the audit logs would satisfy); the policy denies object access there
  outright (soc2ctl.policy.guards), and an identity policy's explicit deny wins over any bucket policy.
- `create_delivery_role` (org-cloudtrail): `iam:CreateRole`/`PutRolePolicy`/`UpdateAssumeRolePolicy` on
  `soc2ctl-*` roles beside the caller's `sts:AssumeRole`. Parliament then reports `PutRolePolicy` and
  `UpdateRolePolicyToAssumeIt` whatever the resources; the caller may assume only the execution role, and
  every role write on the execution roles is denied.
The tests below prove both: the exact finding each opt-in brings, and the deny that closes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from parliament import analyze_policy_string

from soc2ctl import registry
from soc2ctl.policy import iam_template
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
# The baseline's opt-ins (playbook vars) that let the run-time roles write roles and bucket policies.
BUCKET_POLICY_OPT_INS = {"log_buckets_manage_policies": True, "s3_tls_only_write_policies": True}
ROLE_OPT_IN = {"cloudtrail_create_delivery_role": True}
OPT_INS = {**BUCKET_POLICY_OPT_INS, **ROLE_OPT_IN}


STACK = {  # sample stack values: what CloudFormation substitutes
    "${AWS::Partition}": "aws",
    "${AWS::AccountId}": "111122223333",
    "${AWS::Region}": "us-east-1",
    "${ManagementAccountId}": "444455556666",
    "${OrganizationId}": "o-exampleorgid",
}


def resolved(value):
    """A template's policy as IAM sees it in the commercial partition (`Fn::Sub`s and `Ref`s resolved)."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        for name, sample in STACK.items():
            text = text.replace(name, sample)
        return text
    if isinstance(value, dict) and set(value) == {"Ref"}:  # the execution roles' named callers
        return "external-id" if value["Ref"] == "ExternalId" else "arn:aws:iam::111122223333:role/ci"
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


def generated(variables: dict | None = None) -> list[tuple[str, dict]]:
    docs = []
    for mode in ("plan", "apply"):
        for role in ("member", "caller"):
            extra = OPTIONS if role == "caller" else {}
            request = PolicyRequest(mode=mode, role=role, variables=variables, **extra)
            docs += [(f"{mode}/{role}", d) for d in build_policies(BASELINE, request)]
        # a caller outside the management account only assumes roles: nothing left to flag
        elsewhere = PolicyRequest(
            mode=mode, role="caller", caller_in_management=False, variables=variables, **OPTIONS
        )
        docs += [(f"{mode}/caller-elsewhere", d) for d in build_policies(BASELINE, elsewhere)]
    return docs


def template_documents(template: dict) -> list[tuple[str, dict]]:
    """Every IAM document of the template: managed policies, role trust and inline policies, bucket policies."""
    docs = []
    for name, resource in template["Resources"].items():
        props = resource["Properties"]
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"):
            docs.append((f"template {name}", props["PolicyDocument"]))
        if resource["Type"] == "AWS::IAM::Role":
            docs.append((f"template {name} trust", props["AssumeRolePolicyDocument"]))
            docs += [
                (f"template {name} {p['PolicyName']}", p["PolicyDocument"]) for p in props.get("Policies", [])
            ]
    return docs


def every_baseline_document() -> list[tuple[str, dict]]:
    return generated() + template_documents(yaml.safe_load(TEMPLATE.read_text()))


@pytest.mark.parametrize(
    ("label", "doc"), every_baseline_document(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_parliament_finds_no_privilege_escalation_in_the_baseline(label, doc):
    assert escalations(doc) == set(), label


def test_the_template_documents_are_linted():
    """The lint above covers the roles' policies and the new log-archive and delivery-role documents."""
    labels = {label for label, _ in template_documents(yaml.safe_load(TEMPLATE.read_text()))}
    assert {"template PlanPolicy1", "template ApplyPolicy1", "template LogBucketPolicyCloudtrail"} <= labels
    assert "template CloudTrailDeliveryRole soc2ctl-cloudtrail-to-cloudwatch-logs" in labels


def test_the_baseline_grants_no_opt_in_escalation():
    """Every opt-in write is off in the baseline: nothing may attach user policies, write a role's trust or
    inline policy, create a role, or write a bucket policy."""
    risky = {"iam:AttachUserPolicy", "iam:CreatePolicy", "iam:CreateRole", "iam:PutRolePolicy"}
    risky |= {"iam:UpdateAssumeRolePolicy", "s3:PutBucketPolicy", "s3:CreateBucket"}
    for label, doc in every_baseline_document():
        actions = {a for s in doc["Statement"] if s["Effect"] == "Allow" for a in _list(s["Action"])}
        assert not actions & risky, label


def _list(value):
    return value if isinstance(value, list) else [value]


def opted_in(variables: dict) -> dict[str, set[str]]:
    """Each generated document's findings with `variables` turned on (label -> findings, non-empty only)."""
    found = {}
    for label, doc in generated(variables):
        if findings := escalations(doc):
            found.setdefault(label, set()).update(findings)
    return found


def test_bucket_policy_opt_ins_bring_exactly_the_managed_bucket_finding():
    """Turned on, the bucket-policy writes bring one finding, on the apply role only: a trade-off the deny
    on object access closes (test_bucket_policy_writes_cannot_reach_the_objects)."""
    assert opted_in(BUCKET_POLICY_OPT_INS) == {"apply/member": {MANAGED_BUCKETS}}


def test_the_delivery_role_opt_in_brings_exactly_the_role_write_findings():
    """Turned on, org-cloudtrail's role writes bring the caller's two findings (it runs in the management
    account with the caller's credentials), closed by NeverChangeExecutionRoles."""
    assert opted_in(ROLE_OPT_IN) == {"apply/caller": ROLE_WRITES_BESIDE_ASSUME}
    with_all = opted_in(OPT_INS)
    assert with_all == {"apply/member": {MANAGED_BUCKETS}, "apply/caller": ROLE_WRITES_BESIDE_ASSUME}


def _denies(docs: list[dict]) -> list[dict]:
    return [s for d in docs for s in d["Statement"] if s["Effect"] == "Deny"]


def test_bucket_policy_writes_cannot_reach_the_objects():
    """Whoever may write the managed buckets' policies is denied their objects, so no policy it writes
    can give it the audit logs (an identity policy's explicit deny wins over a bucket policy's allow)."""
    assert not _denies(build_policies(BASELINE, PolicyRequest(mode="apply")))  # no grant, nothing to close
    docs = build_policies(BASELINE, PolicyRequest(mode="apply", variables=BUCKET_POLICY_OPT_INS))
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
    docs = build_policies(BASELINE, PolicyRequest(mode="apply", role=role, variables=ROLE_OPT_IN))
    (deny,) = [s for s in _denies(docs) if s["Sid"] == "NeverChangeExecutionRoles"]
    assert {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreateRole"} <= set(deny["Action"])
    assert deny["Resource"] == ["arn:aws:iam::*:role/soc2ctl-apply", "arn:aws:iam::*:role/soc2ctl-plan"]
    assumable = [s["Resource"] for d in docs for s in d["Statement"] if "sts:AssumeRole" in s["Action"]]
    assert assumable == ([] if role == "member" else ["arn:aws:iam::*:role/soc2ctl-apply"])


def test_the_denies_are_in_an_opted_in_template_too():
    """A template generated with the opt-ins on (`iam-policy -e ...`) carries the denies that close them."""
    template = iam_template.template(BASELINE, "soc2-baseline", OPT_INS)
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
