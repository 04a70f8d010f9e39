"""The SCP lockout guard evaluates what AWS would, so the evasions that got past it are refused.

Each test writes a policy that AWS would enforce as a lockout of soc2ctl's executor role, in a way the old
guard did not see: `fnmatch` character classes in an exemption, a region condition outside the regions the
guard checked, a lockout assembled from another SCP on the path, or a condition it cannot read.
"""

from __future__ import annotations

import json

from remediations.scp_guardrails import ScpGuardrailsParams, build_policy, exempt_patterns
from soc2ctl.policy.scp_eval import aws_like, effective_denials
from tests.helpers import ModuleRun, write_calls
from tests.remediations.test_scp_guardrails import SCP, orgs, ou_id, ours, root_id

EXECUTOR = "OrganizationAccountAccessRole"
VARS = {"executor_role_name": EXECUTOR, "break_glass_role": "BreakGlass"}
DENY_ALL = {"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}


def plan(desired: dict, variables: dict | None = None):
    return ModuleRun("scp-guardrails", desired, variables={**VARS, **(variables or {})}).plan()


def apply(desired: dict, variables: dict | None = None):
    return ModuleRun("scp-guardrails", desired, variables={**VARS, **(variables or {})}).apply()


def exempting(pattern: str) -> dict:
    return {
        **DENY_ALL,
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": [pattern, "arn:*:iam::*:role/BreakGlass"]}},
    }


def assert_refused(result, *words: str) -> None:
    assert result.action == "error", result.action
    assert "refused" in result.error and "lock out" in result.error, result.error
    for word in words:
        assert word in result.error, result.error


def test_aws_wildcards_know_only_star_and_question_mark():
    assert aws_like("role/[O]rg", "role/[O]rg")  # literal brackets
    assert not aws_like("role/Org", "role/[O]rg")
    assert not aws_like("role/Org", "role/[!x]rg")
    assert aws_like("role/Org", "role/?rg") and aws_like("role/Org", "role/*")
    assert not aws_like("role/org", "role/Org")  # StringLike is case-sensitive


def test_exemption_with_a_character_class_is_refused(org):
    result = plan({"guardrails": [], "extra_statements": [exempting(f"arn:*:iam::*:role/[O]{EXECUTOR[1:]}")]})
    assert_refused(result, "DenyAll", "executor role")
    assert (
        write_calls(apply({"guardrails": [], "extra_statements": [exempting("arn:*:iam::*:role/[O]*")]}))
        == []
    )
    assert ours() is None


def test_exemption_with_a_negated_class_is_refused(org):
    result = plan(
        {"guardrails": [], "extra_statements": [exempting(f"arn:*:iam::*:role/[!x]{EXECUTOR[1:]}")]}
    )
    assert_refused(result, "DenyAll")


def test_region_denial_in_a_region_the_run_uses_is_refused(org):
    statement = {**DENY_ALL, "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}
    result = plan(
        {"guardrails": [], "extra_statements": [statement]}, {"run_regions": ["us-east-1", "eu-west-1"]}
    )
    assert_refused(result, "eu-west-1")


def test_region_denial_outside_every_run_region_is_allowed(org):
    statement = {**DENY_ALL, "Condition": {"StringEquals": {"aws:RequestedRegion": ["ap-south-2"]}}}
    result = plan({"guardrails": [], "extra_statements": [statement]}, {"run_regions": ["eu-west-1"]})
    assert result.action == "create", result.error


def test_global_region_is_always_checked(org):
    statement = {**DENY_ALL, "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}}
    result = plan({"guardrails": [], "extra_statements": [statement]}, {"run_regions": ["eu-west-1"]})
    assert_refused(result, "us-east-1")


def test_another_scp_on_the_path_is_part_of_the_evaluation(org):
    """A deny-all already attached to the OU: the org state after the write locks soc2ctl out there."""
    client = orgs()
    client.enable_policy_type(RootId=root_id(), PolicyType=SCP)
    other = client.create_policy(
        Name="hand-written",
        Description="x",
        Type=SCP,
        Content=json.dumps({"Version": "2012-10-17", "Statement": [DENY_ALL]}),
    )["Policy"]["PolicySummary"]["Id"]
    client.attach_policy(PolicyId=other, TargetId=ou_id("Workloads"))
    result = plan({})
    assert_refused(result, "DenyAll of hand-written")


def test_missing_allow_at_a_level_is_a_lockout(org):
    """FullAWSAccess detached from the OU, and our policy's own allow-list there does not cover soc2ctl."""
    client = orgs()
    client.enable_policy_type(RootId=root_id(), PolicyType=SCP)
    workloads = ou_id("Workloads")
    client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=workloads)
    allow_s3 = {"Sid": "OnlyS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    result = plan({"guardrails": [], "targets": ["root", "Workloads"], "extra_statements": [allow_s3]})
    assert_refused(result, "(no Allow at", "sts:AssumeRole")


def test_unknown_operator_fails_closed_with_the_reason(org):
    statement = {
        **DENY_ALL,
        "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:user/x"]}},
    }
    result = plan({"guardrails": [], "extra_statements": [statement]})
    assert_refused(result, "may deny", "condition operator 'ForAnyValue:StringLike' is not understood")


def test_unknown_condition_key_fails_closed_with_the_reason(org):
    statement = {**DENY_ALL, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    result = plan({"guardrails": [], "extra_statements": [statement]})
    assert_refused(result, "not understood")
    statement = {**DENY_ALL, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}
    assert_refused(plan({"guardrails": [], "extra_statements": [statement]}), "condition key 'aws:SourceVpc'")


def test_the_shipped_guardrails_still_pass_with_other_scps_present(org):
    client = orgs()
    client.enable_policy_type(RootId=root_id(), PolicyType=SCP)
    benign = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:DeleteVpc", "Resource": "*"}],
    }
    other = client.create_policy(Name="benign", Description="x", Type=SCP, Content=json.dumps(benign))
    client.attach_policy(PolicyId=other["Policy"]["PolicySummary"]["Id"], TargetId=root_id())
    result = plan(
        {"allowed_regions": ["us-east-1", "eu-west-1"]}, {"run_regions": ["us-east-1", "eu-west-1"]}
    )
    assert result.action == "create", result.error


def test_effective_denials_walk_every_level():
    params = ScpGuardrailsParams()
    ours_doc = build_policy(params, exempt_patterns(params, EXECUTOR, None))
    full = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    principal = f"arn:aws:iam::123456789012:role/{EXECUTOR}"
    path = [("root", [("FullAWSAccess", full), ("ours", ours_doc)]), ("ou", [("FullAWSAccess", full)])]
    assert effective_denials(path, [principal], ["sts:AssumeRole"], ["us-east-1"]) == []
    path.append(("account", []))  # nothing attached at the account: implicitly denied
    found = effective_denials(path, [principal], ["sts:AssumeRole"], ["us-east-1"])
    assert [d.statement for d in found] == ["(no Allow at account)"]
