"""Guardrail SCPs deny leaving the organization, turning off security services and root-user actions."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field, field_validator

from remediations import _control_tower as ct
from remediations._aws import (
    Denial,
    create_org_policy,
    effective_denials,
    error_code,
    normalise_policy,
    paginate,
    partitions,
)
from remediations._scp_lockout import lockout_message, needed_actions
from remediations._scp_org import (
    OrgView,
    policy_type_status,
    resolve_target,
    wait_until_enabled,
)
from remediations._scp_tables import DENIED_ACTIONS, GLOBAL_SERVICE_ACTIONS, Guardrail
from soc2ctl.remediation import (
    Params,
    PlannedChange,
    Remediation,
    Scope,
    TaskContext,
    UnsafeChange,
    canonical,
    same,
)

SCP = "SERVICE_CONTROL_POLICY"
MAX_SCP_CHARS = 5120  # AWS Organizations quota on an SCP's size
FUTURE_ACCOUNT = "000000000000"

ALL_GUARDRAILS: list[Guardrail] = list(Guardrail.__args__)  # type: ignore[attr-defined]
_SID = re.compile(r"^[A-Za-z0-9]*$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


class ScpGuardrailsParams(Params):
    policy_name: str = Field(default="soc2ctl-guardrails", min_length=1, max_length=128)
    description: str = Field(default="SOC 2 guardrails, managed by soc2ctl", max_length=512)
    guardrails: list[Guardrail] = Field(
        default_factory=lambda: list(ALL_GUARDRAILS), description="Which guardrail statements to include."
    )
    allowed_regions: list[str] | None = Field(
        default=None, description="Region allow-list; null: no region restriction."
    )
    region_exempt_actions: list[str] = Field(
        default_factory=lambda: list(GLOBAL_SERVICE_ACTIONS),
        description="Actions the region allow-list never denies (global services).",
    )
    targets: list[str] = Field(
        default_factory=lambda: ["root"],
        min_length=1,
        description="Where to attach: root, OU paths (Workloads/Prod), OU ids, root id or account ids.",
    )
    exempt_principals: list[str] = Field(
        default_factory=list,
        description="More principal ARN patterns exempt from every guardrail (executor and break-glass "
        "roles always are).",
    )
    extra_statements: list[dict[str, Any]] = Field(
        default_factory=list, description="Custom statements added verbatim (still checked for lockout)."
    )
    executor_regions: list[str] = Field(
        default_factory=list,
        description="Regions, beyond the home region and us-east-1, where the lockout check must find the "
        "executor and break-glass roles free to act.",
    )

    @field_validator("policy_name")
    @classmethod
    def _not_control_towers(cls, value: str) -> str:
        """AWS Control Tower owns its guardrail SCPs: soc2ctl never takes one over by naming it."""
        if ct.owns(value):
            raise ValueError(f"{value!r} is an AWS Control Tower name (aws-guardrails-*): choose another")
        return value

    @field_validator("extra_statements")
    @classmethod
    def _statements_have_effect(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for statement in value:
            if statement.get("Effect") not in ("Allow", "Deny"):
                raise ValueError("every extra statement needs Effect: Allow or Deny")
            if not _SID.match(str(statement.get("Sid", ""))):
                raise ValueError(f"SCP statement Sid {statement['Sid']!r} must be alphanumeric")
        return value


# ---------------------------------------------------------------- the policy document (pure)


def role_pattern(role_name: str) -> str:
    """The ARN pattern of a role in any account of any partition, as `aws:PrincipalArn` shows it."""
    return f"arn:*:iam::*:role/{role_name}"


def exempt_patterns(
    params: ScpGuardrailsParams, executor_role: str | None, break_glass: str | None
) -> list[str]:
    roles = [role_pattern(r) for r in (executor_role, break_glass) if r]
    return sorted({*roles, *params.exempt_principals})


def build_policy(params: ScpGuardrailsParams, exempt: list[str]) -> dict[str, Any]:
    """The SCP document for these parameters; every generated Deny exempts the `exempt` principals."""
    statements = [_deny(sid, list(actions), exempt) for sid, actions in _chosen(params)]
    if "root-user" in params.guardrails:
        statements.append(
            _deny("DenyRootUser", ["*"], exempt, {"ArnLike": {"aws:PrincipalArn": ["arn:*:iam::*:root"]}})
        )
    if params.allowed_regions is not None:
        region = {"StringNotEquals": {"aws:RequestedRegion": sorted(params.allowed_regions)}}
        statement = _deny("DenyOutsideAllowedRegions", [], exempt, region)
        del statement["Action"]
        statement["NotAction"] = sorted(params.region_exempt_actions)
        statements.append(statement)
    statements += [dict(s) for s in params.extra_statements]
    return {"Version": "2012-10-17", "Statement": statements}


def _chosen(params: ScpGuardrailsParams) -> list[tuple[str, tuple[str, ...]]]:
    return [DENIED_ACTIONS[g] for g in params.guardrails if g in DENIED_ACTIONS]


def _deny(
    sid: str, actions: list[str], exempt: list[str], condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    full = dict(condition or {})
    if exempt:
        full["ArnNotLike"] = {"aws:PrincipalArn": exempt}
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": "*"}
    if full:
        statement["Condition"] = full
    return statement


def comparable(policy: dict[str, Any]) -> dict[str, Any]:
    """The normalised policy with statements keyed by Sid, so the plan shows one change per statement (or
    per condition inside it) instead of the whole statement list before and after. Statements without a
    Sid are keyed by a digest of their content; a repeated key gets a `#n` suffix so nothing is lost."""
    keyed: dict[str, Any] = {}
    for statement in policy["Statement"]:
        digest = hashlib.sha256(canonical(statement).encode()).hexdigest()
        base = str(statement.get("Sid") or "#" + digest[:12])
        key, n = base, 1
        while key in keyed:
            n += 1
            key = f"{base}#{n}"
        keyed[key] = {k: v for k, v in statement.items() if k != "Sid"}
    return {**{k: v for k, v in policy.items() if k != "Statement"}, "Statement": keyed}


def with_removals(want: Any, have: Any) -> Any:
    """`want`, plus None for every key that only `have` has, at every depth: the diff compares only keys
    present in desired, and a statement (or condition) someone added by hand must show up as a delete."""
    if not isinstance(want, dict) or not isinstance(have, dict):
        return want
    out = {k: with_removals(v, have.get(k)) for k, v in want.items()}
    return {**out, **{k: None for k in have if k not in want}}


def policy_content(policy: dict[str, Any]) -> str:
    """Compact JSON: the SCP size quota counts whitespace."""
    return json.dumps(policy, separators=(",", ":"))


# ---------------------------------------------------------------- the module


class ScpGuardrails(Remediation[ScpGuardrailsParams]):
    """Guardrail SCPs deny leaving the organization, turning off security services and root-user actions."""

    name = "scp-guardrails"
    scope = Scope.ORG
    # an SCP applies to every account under its targets and can lock people and automation out
    risk = "high"
    reaches_management = False  # SCPs never restrict the management account
    criteria = ("CC5.2", "CC6.1", "CC6.6", "CC8.1")
    prowler_checks = ("organizations_scp_check_deny_regions",)
    read_actions = (
        "organizations:ListRoots",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccounts",
        "organizations:ListAccountsForParent",
        "organizations:ListParents",
        "organizations:ListPoliciesForTarget",
    )
    write_actions = (
        "organizations:EnablePolicyType",
        "organizations:CreatePolicy",
        "organizations:UpdatePolicy",
        "organizations:AttachPolicy",
        "organizations:DetachPolicy",
    )

    def read(self, ctx: TaskContext, params: ScpGuardrailsParams) -> dict[str, Any]:
        org = ctx.client("organizations")
        root = org.list_roots()["Roots"][0]
        found = next(
            (
                p
                for p in paginate(org, "list_policies", "Policies", Filter=SCP)
                if p["Name"] == params.policy_name
            ),
            None,
        )
        observed: dict[str, Any] = {
            "root_id": root["Id"],
            "policy_type_status": policy_type_status(root),
            "resolved_targets": {t: resolve_target(org, root["Id"], t) for t in params.targets},
            "policy_id": found["Id"] if found else None,
            "policy": None,
            "targets": None,
        }
        if found:
            content = org.describe_policy(PolicyId=found["Id"])["Policy"]["Content"]
            observed["policy"] = comparable(normalise_policy(json.loads(content)))
            targets = paginate(org, "list_targets_for_policy", "Targets", PolicyId=found["Id"])
            observed["targets"] = sorted(t["TargetId"] for t in targets)
        return observed

    def reach_targets(self, params: ScpGuardrailsParams, observed: Any) -> list[str]:
        """Where the policy is attached now and where it will be: a detach reaches those accounts too."""
        wanted = [t for t in observed["resolved_targets"].values() if t]
        return sorted({*wanted, *(observed["targets"] or [])}) or [observed["root_id"]]

    def desired(self, ctx: TaskContext, params: ScpGuardrailsParams, observed: Any) -> dict[str, Any]:
        """Unresolvable targets stay in the list under their given name, so they show as a change and the
        guard refuses them instead of the policy silently not being attached there."""
        resolved = observed["resolved_targets"]
        return {
            "policy_type_status": "ENABLED",
            "policy": with_removals(comparable(self.document(ctx, params)), observed["policy"]),
            "targets": sorted({resolved[t] or t for t in params.targets}),
        }

    def document(self, ctx: TaskContext, params: ScpGuardrailsParams) -> dict[str, Any]:
        """The policy to write, exempting this run's executor and break-glass roles."""
        exempt = exempt_patterns(params, ctx.vars.get("executor_role_name"), ctx.vars.get("break_glass_role"))
        return normalise_policy(build_policy(params, exempt))

    def guard(self, ctx: TaskContext, change: PlannedChange[ScpGuardrailsParams]) -> None:
        """Refuse a policy that cannot be written, and one that would lock soc2ctl (or the break-glass role)
        out of the accounts it applies to: nothing but a person in the management account could undo it."""
        params, observed = change.params, change.observed
        unresolved = [t for t, found in observed["resolved_targets"].items() if found is None]
        if unresolved:
            raise UnsafeChange(f"SCP target(s) not found in the organization: {', '.join(unresolved)}")
        policy = self.document(ctx, params)
        sids = [s["Sid"] for s in policy["Statement"] if s.get("Sid")]
        if len(sids) != len(set(sids)):
            raise UnsafeChange(
                f"SCP {params.policy_name} would have duplicate statement Sids: {sorted(sids)}"
            )
        size = len(policy_content(policy))
        if size > MAX_SCP_CHARS:
            raise UnsafeChange(
                f"SCP {params.policy_name} would be {size} characters; the quota is {MAX_SCP_CHARS}"
            )
        executor = ctx.vars.get("executor_role_name")
        if not executor:
            raise UnsafeChange("executor_role_name is not known, so the lockout check cannot run")
        roles = {executor: "executor role"}
        if ctx.vars.get("break_glass_role"):
            roles.setdefault(ctx.vars["break_glass_role"], "break-glass role")
        # calls to global services (IAM, Organizations) are made in the partition's global region
        global_region = partitions.global_region(ctx.partition)
        regions = {ctx.home_region, global_region, *params.executor_regions, *ctx.vars.get("run_regions", [])}
        found, accounts = self._path_denials(ctx, change, policy, roles, regions)
        if found:
            raise UnsafeChange(lockout_message(params.policy_name, found, roles, accounts))

    def _path_denials(
        self,
        ctx: TaskContext,
        change: PlannedChange[ScpGuardrailsParams],
        policy: dict[str, Any],
        roles: dict[str, str],
        regions: set[str],
    ) -> tuple[list[Denial], int]:
        """Every SCP on every path from the root to each account the change affects (where the policy
        will be attached, and where it is now), with the new policy in place: what AWS will evaluate."""
        params, observed = change.params, change.observed
        org = ctx.client("organizations")
        view = OrgView(
            org,
            observed["root_id"],
            enabled=observed["policy_type_status"] == "ENABLED",
            own_policy_id=observed["policy_id"],
        )
        targets = set(change.desired["targets"])
        accounts = sorted(view.accounts_under(targets | set(observed["targets"] or [])))
        accounts = [a for a in accounts if a != ctx.management_account_id]
        ours = (params.policy_name, policy)
        needed = needed_actions(ctx.module_actions)
        found: list[Denial] = []
        for account in accounts:
            principals = [ctx.arn("iam", f"role/{r}", region="", account_id=account) for r in roles]
            found += effective_denials(view.levels(account, ours, targets), principals, needed, regions)
        for target in sorted(t for t in targets if not _ACCOUNT_ID.match(t)):
            principals = [ctx.arn("iam", f"role/{r}", region="", account_id=FUTURE_ACCOUNT) for r in roles]
            levels = view.levels(target, ours, targets, future=True)
            found += effective_denials(levels, principals, needed, regions)
        return found, len(accounts) + 1

    def apply(self, ctx: TaskContext, change: PlannedChange[ScpGuardrailsParams]) -> None:
        org = ctx.client("organizations")
        params, observed, want = change.params, change.observed, change.desired
        if observed["policy_type_status"] != "ENABLED":
            if observed["policy_type_status"] is None:
                enable_scps(org, observed["root_id"])
            wait_until_enabled(org)
        policy_id = observed["policy_id"]
        content = policy_content(self.document(ctx, params))
        if policy_id is None:
            policy_id = create_org_policy(org, SCP, params.policy_name, params.description, content)
        elif not same(observed["policy"], want["policy"]):
            org.update_policy(PolicyId=policy_id, Content=content)
        have = set(observed["targets"] or [])
        for target in sorted(set(want["targets"]) - have):
            org.attach_policy(PolicyId=policy_id, TargetId=target)
        for target in sorted(have - set(want["targets"])):
            org.detach_policy(PolicyId=policy_id, TargetId=target)


def enable_scps(org: Any, root_id: str) -> None:
    """Enable SCPs at the root. A retry after an unanswered first call finds them enabled: that is success."""
    try:
        org.enable_policy_type(RootId=root_id, PolicyType=SCP)
    except ClientError as exc:
        if error_code(exc) != "PolicyTypeAlreadyEnabledException":
            raise
