"""The least-privilege IAM policies a playbook needs, computed from the modules' declared actions.

Two principals take part in a run, so there are two policies:

- the **execution role** (`--role member`), assumed in every target account (and, when the caller is not in
  it, in the management account and in delegated administrator accounts that organization-scope tasks
  reach): the `read_actions` of every module the playbook uses, plus their `write_actions` for `apply`.
  Organization-scope module actions are included too, because those tasks run through the same role in the
  management or delegated administrator account; Organizations write actions are inert in other accounts.
- the **caller** (`--role caller`), the principal that runs soc2ctl in the management or automation
  account: what the engine itself calls (sts:GetCallerIdentity, organizations discovery reads,
  sts:AssumeRole on the execution role only) plus the organization-scope module actions, because when the
  caller is the management account those tasks run with the caller's own credentials; and, given the run's
  --evidence/--lock/--notify/--findings values, access to exactly those resources.

Output is deterministic (sorted services and actions) so that a committed policy or template diffs cleanly.
A managed policy holds at most 6,144 characters (whitespace excluded); a larger policy is split by service.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from soc2ctl.aws import partitions
from soc2ctl.config.playbook import BUILTIN_VARS, load_playbook
from soc2ctl.config.templating import TemplateProblem, render, variables_used
from soc2ctl.errors import UserError
from soc2ctl.policy import guards
from soc2ctl.registry import get
from soc2ctl.remediation import Remediation, Scope

MODES = ("plan", "apply")
ROLES = ("member", "caller")
MANAGED_POLICY_MAX_CHARS = 6144
DEFAULT_ROLE_NAMES = {"plan": "soc2ctl-plan", "apply": "soc2ctl-apply"}

# What the engine calls with the caller's credentials (soc2ctl/sessions.py, soc2ctl/inventory.py).
ENGINE_CALLER_ACTIONS = (
    "sts:GetCallerIdentity",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListRoots",
    "organizations:ListTagsForResource",
)

# What the engine calls in each target account with region-scope tasks: its regions' opt-in status
# (soc2ctl.aws.regions), so a region the account has not enabled is reported, not called.
ENGINE_REGION_ACTIONS = ("ec2:DescribeRegions",)


def engine_target_actions(uses: Iterable[ControlUse]) -> set[str]:
    return set(ENGINE_REGION_ACTIONS) if any(u.module.scope is Scope.REGION for u in uses) else set()


@dataclass(frozen=True)
class PolicyRequest:
    """Which policy to build: for which mode, which principal, the execution role's name, and the run
    options whose AWS resources the caller touches (the same values as the run's flags)."""

    mode: str = "plan"
    role: str = "member"
    role_name: str | None = None
    evidence: str | None = None  # --evidence s3://bucket/prefix
    lock: str | None = None  # --lock dynamodb:TABLE
    notify: str | None = None  # drift --notify sns:ARN
    findings: str | None = None  # drift --findings securityhub
    variables: dict[str, Any] | None = None  # --extra-vars: what turns an opt-in fix on for some account
    partition: str = partitions.DEFAULT  # --partition: aws, aws-us-gov, aws-cn, ...
    # --caller-in other: the caller runs outside the management account, so organization-scope tasks run
    # through the execution role there too, and the caller needs none of the modules' actions.
    caller_in_management: bool = True

    @property
    def execution_role_name(self) -> str:
        return self.role_name or DEFAULT_ROLE_NAMES[self.mode]


@dataclass(frozen=True)
class ControlUse:
    """One playbook control's module and the write actions its parameters need (`writes_for`)."""

    module: Remediation
    writes: frozenset[str]


def playbook_modules(playbook_path: Any) -> list[Remediation]:
    """The distinct modules a playbook uses (validation errors surface as UserError from load_playbook)."""
    pb = load_playbook(playbook_path)
    names = sorted({c.remediation for c in pb.spec.controls})
    return [m for m in (get(n) for n in names) if m is not None]


def playbook_uses(playbook_path: Any, variables: dict[str, Any] | None = None) -> list[ControlUse]:
    """Each control's module and writes, its parameters rendered with the playbook's vars and `variables`
    (--extra-vars): an opt-in write is granted only where a control turns it on, every write where the
    parameters cannot be known without an account."""
    pb = load_playbook(playbook_path)
    uses = []
    for index, control in enumerate(pb.spec.controls):
        module = get(control.remediation)
        merged = pb.control_vars(index, variables)
        if module is not None:
            switches = {p: _switch(module, control.desired, p, merged) for p in module.conditional_writes}
            uses.append(ControlUse(module, module.writes_for(SimpleNamespace(**switches))))
    return uses


_FALSE_WORDS = frozenset({"", "0", "false", "f", "n", "no", "off"})


def _switch(module: Remediation, desired: dict[str, Any], parameter: str, variables: dict[str, Any]) -> bool:
    """Whether a control turns this parameter on: its value, or the module's default when unset. A value
    that depends on the account (a built-in variable) or does not render counts as on: a missing grant
    fails the run, a needless one is only what the module declares anyway."""
    if parameter not in desired:
        return bool(module.Params.model_fields[parameter].default)
    value = desired[parameter]
    try:
        if variables_used(value) & BUILTIN_VARS:
            return True
        value = render(value, variables, parameter)
    except TemplateProblem:
        return True
    if isinstance(value, str) and isinstance(module.Params.model_fields[parameter].default, bool):
        return value.strip().lower() not in _FALSE_WORDS  # pydantic's reading of "false", "no", "off"
    return bool(value)


def module_actions(uses: Iterable[ControlUse], mode: str, *, org_only: bool = False) -> set[str]:
    actions: set[str] = set()
    for use in uses:
        if org_only and use.module.scope is not Scope.ORG:
            continue
        actions.update(use.module.read_actions)
        if mode == "apply":
            actions.update(use.writes)
    return actions


def _sid(prefix: str, service: str) -> str:
    return prefix + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", service))


# Actions that could grant more than soc2ctl needs (pass a role, write a policy, attach one, open a bucket):
# each is allowed only on what soc2ctl manages, by name prefix and condition, never on `*`. Resources are
# written `arn:{p}:...`: the policy's partition goes in when a policy is built (`_in_partition`).
MANAGED_PREFIX = "soc2ctl-"
SCOPED_GRANTS: dict[str, tuple[str, list[str], dict[str, Any] | None]] = {
    "iam:PassRole": (
        "PassManagedRolesToBackupAndCloudTrail",
        [
            "arn:{p}:iam::*:role/service-role/AWSBackupDefaultServiceRole",
            f"arn:{{p}}:iam::*:role/{MANAGED_PREFIX}*",
        ],
        {"StringEquals": {"iam:PassedToService": ["backup.amazonaws.com", "cloudtrail.amazonaws.com"]}},
    ),
    # org-cloudtrail's CloudWatch Logs delivery role (#19): soc2ctl creates and keeps only its own roles.
    "iam:CreateRole": ("CreateManagedRoles", [f"arn:{{p}}:iam::*:role/{MANAGED_PREFIX}*"], None),
    "iam:PutRolePolicy": ("ManagedRoleInlinePolicies", [f"arn:{{p}}:iam::*:role/{MANAGED_PREFIX}*"], None),
    "iam:UpdateAssumeRolePolicy": ("ManagedRoleTrust", [f"arn:{{p}}:iam::*:role/{MANAGED_PREFIX}*"], None),
    "iam:CreatePolicy": ("CreateManagedPolicies", [f"arn:{{p}}:iam::*:policy/{MANAGED_PREFIX}*"], None),
    "iam:AttachUserPolicy": (
        "AttachManagedPoliciesOnly",
        ["arn:{p}:iam::*:user/*"],
        {"ArnLike": {"iam:PolicyARN": f"arn:{{p}}:iam::*:policy/{MANAGED_PREFIX}*"}},
    ),
    "s3:PutBucketPolicy": ("ManagedBucketPolicies", [f"arn:{{p}}:s3:::{MANAGED_PREFIX}*"], None),
}


def _in_partition(value: Any, partition: str) -> Any:
    """A grant's resources and conditions with the partition put in."""
    if isinstance(value, str):
        return value.replace("arn:{p}:", f"arn:{partition}:")
    if isinstance(value, list | tuple):
        return type(value)(_in_partition(v, partition) for v in value)
    if isinstance(value, dict):
        return {k: _in_partition(v, partition) for k, v in value.items()}
    return value


def statements(
    actions: Iterable[str], *, sid_prefix: str = "", partition: str = partitions.DEFAULT
) -> list[dict[str, Any]]:
    """One Allow statement per service, actions sorted, on every resource; the actions in
    `SCOPED_GRANTS` get a statement of their own, on soc2ctl's resources only (in `partition`)."""
    by_service: dict[str, set[str]] = defaultdict(set)
    scoped: list[dict[str, Any]] = []
    for action in sorted(set(actions)):
        if action in SCOPED_GRANTS:
            sid, resources, condition = _in_partition(SCOPED_GRANTS[action], partition)
            stmt: dict[str, Any] = {"Sid": sid_prefix + sid, "Effect": "Allow", "Action": [action]}
            stmt["Resource"] = resources
            if condition:
                stmt["Condition"] = condition
            scoped.append(stmt)
            continue
        by_service[action.split(":", 1)[0]].add(action)
    plain = [
        {"Sid": _sid(sid_prefix, svc), "Effect": "Allow", "Action": sorted(acts), "Resource": "*"}
        for svc, acts in sorted(by_service.items())
    ]
    return sorted(plain + scoped, key=lambda st: st["Action"][0].split(":", 1)[0])


def assume_role_statement(role_name: str, partition: str = partitions.DEFAULT) -> dict[str, Any]:
    """The caller may assume the execution role, by name, in any account, and nothing else."""
    return {
        "Sid": "AssumeExecutionRole",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Resource": partitions.iam_arn(partition, "*", f"role/{role_name}"),
    }


def document(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


def _allow(sid: str, actions: list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resource}


def run_option_statements(request: PolicyRequest) -> list[dict[str, Any]]:
    """What the caller needs for the evidence bucket, the shared apply lock and drift notifications, each
    on its own resource only (soc2ctl/evidence/sinks.py, soc2ctl/lock.py, soc2ctl/drift/)."""
    stmts, partition = [], request.partition
    if request.evidence:
        bucket, _, prefix = request.evidence.removeprefix("s3://").partition("/")
        if not request.evidence.startswith("s3://") or not bucket:
            raise UserError(f"--evidence {request.evidence!r}: give the S3 location as s3://BUCKET/PREFIX")
        stmts.append(
            _allow(
                "EvidenceBucket",
                ["s3:GetBucketObjectLockConfiguration", "s3:ListBucket"],
                partitions.s3_arn(partition, bucket),
            )
        )
        objects = partitions.s3_arn(
            partition, bucket, f"{prefix.strip('/') + '/' if prefix.strip('/') else ''}*"
        )
        stmts.append(
            _allow("EvidenceObjects", ["s3:GetObject", "s3:PutObject", "s3:PutObjectRetention"], objects)
        )
    if request.lock and request.lock != "local":
        table = request.lock.removeprefix("dynamodb:")
        if not request.lock.startswith("dynamodb:") or not table:
            raise UserError(f"--lock {request.lock!r}: use 'local' or 'dynamodb:TABLE'")
        lock_actions = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
        table_arn = partitions.arn(partition, "dynamodb", "*", "*", f"table/{table}")
        stmts.append(_allow("ApplyLock", lock_actions, table_arn))
    if request.notify:
        if not request.notify.startswith("sns:arn:"):
            raise UserError(f"--notify {request.notify!r}: use sns:TOPIC_ARN")
        stmts.append(_allow("DriftNotify", ["sns:Publish"], request.notify.removeprefix("sns:")))
    if request.findings:
        if request.findings != "securityhub":
            raise UserError(f"--findings {request.findings!r}: the only sink is securityhub")
        finding_actions = [
            "securityhub:BatchImportFindings",
            "securityhub:BatchUpdateFindings",
            "securityhub:GetFindings",
        ]
        stmts.append(_allow("DriftFindings", finding_actions, "*"))
    return stmts


def policy_statements(uses: list[ControlUse], request: PolicyRequest) -> list[dict[str, Any]]:
    """The statements of one policy: its grants, then the denies those grants need (soc2ctl.policy.guards)."""
    member = request.role == "member"
    execution_roles = {*DEFAULT_ROLE_NAMES.values(), request.execution_role_name}
    if member:
        if run_option_statements(request):
            raise UserError("--evidence, --lock, --notify and --findings are the caller's: add --role caller")
        actions = module_actions(uses, request.mode) | engine_target_actions(uses)
        grants = statements(actions, partition=request.partition)
    else:
        own = module_actions(uses, request.mode, org_only=True) if request.caller_in_management else set()
        actions = set(ENGINE_CALLER_ACTIONS) | own
        if request.caller_in_management:  # the management account is a target too
            actions |= engine_target_actions(uses)
        assume = assume_role_statement(request.execution_role_name, request.partition)
        grants = [assume, *run_option_statements(request), *statements(actions, partition=request.partition)]
    denies = guards.deny_statements(
        actions, execution_roles, partition=request.partition, member=member, prefix=MANAGED_PREFIX
    )
    return grants + denies


def policy_size(doc: dict[str, Any]) -> int:
    """Characters IAM counts against the managed-policy quota (whitespace is not counted)."""
    return len(json.dumps(doc, separators=(",", ":")))


def split_policy(stmts: list[dict[str, Any]], limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """Pack statements, in order, into as few documents as fit the limit (a statement is never cut)."""
    docs: list[list[dict[str, Any]]] = [[]]
    for stmt in stmts:
        if docs[-1] and policy_size(document([*docs[-1], stmt])) > limit:
            docs.append([])
        docs[-1].append(stmt)
    return [document(d) for d in docs]


def build_policies(playbook_path: Any, request: PolicyRequest) -> list[dict[str, Any]]:
    """The policy documents for a playbook: one when it fits a managed policy, several otherwise."""
    if request.mode not in MODES:
        raise UserError(f"--mode {request.mode!r}: choose one of {', '.join(MODES)}")
    if request.role not in ROLES:
        raise UserError(f"--role {request.role!r}: choose one of {', '.join(ROLES)}")
    if request.partition not in partitions.known_partitions():
        known = ", ".join(sorted(partitions.known_partitions()))
        raise UserError(f"--partition {request.partition!r}: choose one of {known}")
    uses = playbook_uses(playbook_path, request.variables)
    return split_policy(policy_statements(uses, request))
