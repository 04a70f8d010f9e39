import json

import pytest
from botocore.exceptions import ClientError

from remediations.scp_guardrails import (
    ScpGuardrailsParams,
    build_policy,
    exempt_patterns,
    policy_content,
)
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "scp-guardrails"
EXECUTOR = "OrganizationAccountAccessRole"
VARS = {"executor_role_name": EXECUTOR, "break_glass_role": "BreakGlass"}
SCP = "SERVICE_CONTROL_POLICY"
DENY_ALL = {"Sid": "DenyEverything", "Effect": "Deny", "Action": "*", "Resource": "*"}


def run(desired: dict | None = None, variables: dict | None = None) -> ModuleRun:
    return ModuleRun(MODULE, desired or {}, variables=VARS if variables is None else variables)


def orgs():
    return member_client("organizations", MANAGEMENT_ACCOUNT)


def root_id() -> str:
    return orgs().list_roots()["Roots"][0]["Id"]


def policy(desired: dict | None = None) -> dict:
    params = ScpGuardrailsParams(**(desired or {}))
    return build_policy(params, exempt_patterns(params, EXECUTOR, "BreakGlass"))


def seed_policy(document: dict | str, targets: tuple[str, ...] = ("root",)) -> str:
    """A soc2ctl-guardrails SCP written by hand, SCPs enabled, attached to `targets` (root by default)."""
    org = orgs()
    org.enable_policy_type(RootId=root_id(), PolicyType=SCP)
    content = document if isinstance(document, str) else json.dumps(document)
    policy_id = org.create_policy(Name="soc2ctl-guardrails", Description="old", Type=SCP, Content=content)[
        "Policy"
    ]["PolicySummary"]["Id"]
    for target in targets:
        org.attach_policy(PolicyId=policy_id, TargetId=root_id() if target == "root" else target)
    return policy_id


def ours() -> dict | None:
    org = orgs()
    found = [p for p in org.list_policies(Filter=SCP)["Policies"] if p["Name"] == "soc2ctl-guardrails"]
    if not found:
        return None
    policy_id = found[0]["Id"]
    return {
        "content": json.loads(org.describe_policy(PolicyId=policy_id)["Policy"]["Content"]),
        "targets": sorted(t["TargetId"] for t in org.list_targets_for_policy(PolicyId=policy_id)["Targets"]),
    }


def ou_id(name: str) -> str:
    units = orgs().list_organizational_units_for_parent(ParentId=root_id())["OrganizationalUnits"]
    return next(u["Id"] for u in units if u["Name"] == name)


# ---------------------------------------------------------------- the policy document


def test_every_generated_deny_exempts_executor_and_break_glass():
    document = policy({"allowed_regions": ["eu-west-1"], "exempt_principals": ["arn:aws:iam::*:role/Audit"]})
    sids = {s["Sid"] for s in document["Statement"]}
    assert {"DenyLeaveOrganization", "ProtectCloudTrail", "DenyRootUser", "DenyOutsideAllowedRegions"} <= sids
    for statement in document["Statement"]:
        assert statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
            "arn:*:iam::*:role/BreakGlass",
            "arn:*:iam::*:role/OrganizationAccountAccessRole",
            "arn:aws:iam::*:role/Audit",
        ]
    regions = next(s for s in document["Statement"] if s["Sid"] == "DenyOutsideAllowedRegions")
    assert "Action" not in regions and "iam:*" in regions["NotAction"] and "sts:*" in regions["NotAction"]
    assert regions["Condition"]["StringNotEquals"] == {"aws:RequestedRegion": ["eu-west-1"]}
    assert len(policy_content(document)) < 5120


def test_guardrails_can_be_chosen():
    document = policy({"guardrails": ["leave-organization", "root-user"]})
    assert [s["Sid"] for s in document["Statement"]] == ["DenyLeaveOrganization", "DenyRootUser"]


# ---------------------------------------------------------------- plan and apply


def test_absent_is_created_enabled_and_attached_to_root(org):
    task = run()
    planned = task.plan()
    assert planned.action == "create"
    assert [(c.path, c.before) for c in planned.changes] == [
        ("policy_type_status", None),
        ("policy", None),
        ("targets", None),
    ]
    assert write_calls(task.apply()) == [
        "organizations:EnablePolicyType",
        "organizations:CreatePolicy",
        "organizations:AttachPolicy",
    ]
    root = orgs().list_roots()["Roots"][0]
    assert {"Type": SCP, "Status": "ENABLED"} in root["PolicyTypes"]
    found = ours()
    assert found is not None and found["targets"] == [root["Id"]]
    assert {s["Sid"] for s in found["content"]["Statement"]} == {s["Sid"] for s in policy()["Statement"]}
    assert write_calls(task.apply()) == []


def test_compliant_is_noop(org):
    seed_policy(policy())
    assert run().plan().action == "no-op"


def test_reordered_json_is_noop(org):
    """Same policy, other text: keys reordered, single values unwrapped, lists and statements shuffled."""
    document = policy()
    shuffled = []
    for statement in reversed(document["Statement"]):
        rebuilt = {key: statement[key] for key in reversed(list(statement))}
        if isinstance(rebuilt.get("Action"), list):
            rebuilt["Action"] = (
                rebuilt["Action"][::-1] if len(rebuilt["Action"]) > 1 else rebuilt["Action"][0]
            )
        arns = rebuilt["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        rebuilt["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": arns[::-1]}, **rebuilt["Condition"]}
        shuffled.append(rebuilt)
    seed_policy(json.dumps({"Statement": shuffled, "Version": "2012-10-17"}, indent=4))
    task = run()
    assert task.plan().action == "no-op"
    assert write_calls(task.apply()) == []


def test_drifted_statement_is_updated_in_place(org):
    old = policy()
    old["Statement"] = [s for s in old["Statement"] if s["Sid"] != "ProtectCloudTrail"]
    leave = next(s for s in old["Statement"] if s["Sid"] == "DenyLeaveOrganization")
    leave["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = ["arn:*:iam::*:role/OldExecutor"]
    policy_id = seed_policy(old)
    task = run()
    planned = task.plan()
    assert planned.action == "update"
    exemption = "policy.Statement.DenyLeaveOrganization.Condition.ArnNotLike.[aws:PrincipalArn]"
    assert [(c.path, c.action) for c in planned.changes] == [
        (exemption, "update"),
        ("policy.Statement.ProtectCloudTrail", "create"),
    ]
    assert planned.changes[0].before == ["arn:*:iam::*:role/OldExecutor"]
    assert f"arn:*:iam::*:role/{EXECUTOR}" in planned.changes[0].after
    assert planned.changes[1].after["Action"] == ["cloudtrail:DeleteTrail", "cloudtrail:StopLogging"]
    assert write_calls(task.apply()) == ["organizations:UpdatePolicy"]
    found = ours()
    assert found is not None and found["targets"] == [root_id()]
    assert "ProtectCloudTrail" in {s["Sid"] for s in found["content"]["Statement"]}
    assert [
        p["Id"] for p in orgs().list_policies(Filter=SCP)["Policies"] if p["Name"] == "soc2ctl-guardrails"
    ] == [policy_id]
    assert write_calls(task.apply()) == []


def test_targets_are_managed_exactly(org):
    """Attached to root by hand, wanted on an OU path and an OU id: attach both, detach from root."""
    seed_policy(policy())
    workloads = ou_id("Workloads")
    task = run({"targets": ["Workloads", workloads]})
    planned = task.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [("targets", [root_id()], [workloads])]
    assert write_calls(task.apply()) == ["organizations:AttachPolicy", "organizations:DetachPolicy"]
    assert ours()["targets"] == [workloads]
    assert write_calls(task.apply()) == []


def test_unknown_target_is_refused(org):
    result = run({"targets": ["Workloads/Nowhere"]}).plan()
    assert result.action == "error"
    assert "refused" in result.error and "Workloads/Nowhere" in result.error


def test_an_ou_target_applies(org):  # tests/remediations/conftest.py fails any undeclared call it makes
    applied = run({"targets": ["Workloads"], "extra_statements": []}).apply()
    assert applied.status == "changed", applied.error


# ---------------------------------------------------------------- the lockout guard


def test_deny_all_extra_statement_is_refused_at_plan_and_apply(org):
    task = run({"extra_statements": [DENY_ALL]})
    planned = task.plan()
    assert planned.action == "error"
    assert "refused" in planned.error
    assert "executor role OrganizationAccountAccessRole" in planned.error
    assert "break-glass role BreakGlass" in planned.error
    assert "DenyEverything" in planned.error and "sts:AssumeRole" in planned.error
    applied = task.apply()
    assert applied.status == "failed" and "refused" in applied.error
    assert write_calls(applied) == []
    assert ours() is None


def test_region_allow_list_without_exemption_is_refused(org):
    """A hand-written allow-list that excludes the home region and forgets the executor."""
    statement = {
        "Sid": "OnlyEurope",
        "Effect": "Deny",
        "NotAction": ["iam:*", "organizations:*", "sts:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
    }
    result = run({"guardrails": [], "extra_statements": [statement]}).plan()
    assert result.action == "error" and "refused" in result.error
    assert "OnlyEurope" in result.error and "us-east-1" in result.error
    # every denied action outside iam/organizations/sts is named or counted (the message shows the first 8)
    assert "actions soc2ctl needs: " in result.error and " more" in result.error
    assert "sts:AssumeRole" not in result.error.split("actions soc2ctl needs: ")[1].split(" (e.g.")[0]


def test_generated_region_allow_list_exempts_the_executor(org):
    task = run({"allowed_regions": ["eu-west-1"]})
    assert task.plan().action == "create"


def test_exempting_only_the_executor_still_refuses_for_break_glass(org):
    statement = {
        **DENY_ALL,
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{EXECUTOR}"}},
    }
    result = run({"extra_statements": [statement]}).plan()
    assert result.action == "error" and "break-glass role BreakGlass" in result.error
    assert "executor role" not in result.error
    no_break_glass = run({"extra_statements": [statement]}, {"executor_role_name": EXECUTOR})
    assert no_break_glass.plan().action == "create"


def test_unknown_condition_is_treated_as_may_deny(org):
    statement = {**DENY_ALL, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    result = run({"extra_statements": [statement]}).plan()
    assert result.action == "error" and "may deny" in result.error


def test_missing_executor_role_name_is_refused(org):
    result = run(variables={}).plan()
    assert result.action == "error" and "executor_role_name" in result.error


def test_extra_statements_are_validated():
    with pytest.raises(ValueError, match="Effect"):
        ScpGuardrailsParams(extra_statements=[{"Action": "*"}])


# ---------------------------------------------------------------- moto as AWS


def test_moto_refuses_attach_before_enable_and_twice(org):
    org_client = orgs()
    policy_id = org_client.create_policy(
        Name="x", Description="x", Type=SCP, Content=json.dumps(policy({"guardrails": ["root-user"]}))
    )["Policy"]["PolicySummary"]["Id"]
    with pytest.raises(ClientError, match="PolicyTypeNotEnabledException"):
        org_client.attach_policy(PolicyId=policy_id, TargetId=root_id())
    org_client.enable_policy_type(RootId=root_id(), PolicyType=SCP)
    org_client.attach_policy(PolicyId=policy_id, TargetId=root_id())
    with pytest.raises(ClientError, match="DuplicatePolicyAttachmentException"):
        org_client.attach_policy(PolicyId=policy_id, TargetId=root_id())
    with pytest.raises(ClientError, match="PolicyNotAttachedException"):
        org_client.detach_policy(PolicyId=policy_id, TargetId=ou_id("Workloads"))


def test_hand_added_statement_is_removed(org):
    manual = {"Sid": "Manual", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    document = policy()
    seed_policy({**document, "Statement": [*document["Statement"], manual]})
    task = run()
    planned = task.plan()
    assert [(c.path, c.action) for c in planned.changes] == [("policy.Statement.Manual", "delete")]
    assert write_calls(task.apply()) == ["organizations:UpdatePolicy"]
    assert "Manual" not in {s.get("Sid") for s in ours()["content"]["Statement"]}


def test_duplicate_sid_is_refused(org):
    clash = {"Sid": "DenyRootUser", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    result = run({"extra_statements": [clash]}).plan()
    assert result.action == "error" and "duplicate" in result.error and "DenyRootUser" in result.error


def test_sandbox_seed_leaves_an_outdated_policy_that_apply_fixes(org):
    from soc2ctl_sandbox.seed import SeedContext, _session
    from soc2ctl_sandbox.seeds import scp_guardrails as seeder

    session = _session(None, MANAGEMENT_ACCOUNT)  # type: ignore[arg-type]
    seeder.seed(
        SeedContext(None, MANAGEMENT_ACCOUNT, "management", "compliant", "us-east-1", True, org, session)
    )  # type: ignore[arg-type]
    task = run(variables={"executor_role_name": EXECUTOR, "break_glass_role": None})
    assert task.plan().action == "update"
    assert write_calls(task.apply()) == ["organizations:UpdatePolicy"]
    assert task.plan().action == "no-op"


def test_hand_weakened_condition_is_restored(org):
    document = policy()
    leave = next(s for s in document["Statement"] if s["Sid"] == "DenyLeaveOrganization")
    leave["Condition"]["StringEquals"] = {"aws:RequestedRegion": "ap-south-1"}
    seed_policy(document)
    task = run()
    planned = task.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        (
            "policy.Statement.DenyLeaveOrganization.Condition.StringEquals",
            {"aws:RequestedRegion": ["ap-south-1"]},
            None,
        )
    ]
    assert write_calls(task.apply()) == ["organizations:UpdatePolicy"]
    assert write_calls(task.apply()) == []
