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
from typing import Any

from soc2ctl.config.playbook import load_playbook
from soc2ctl.errors import UserError
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


def engine_target_actions(modules: Iterable[Remediation]) -> set[str]:
    return set(ENGINE_REGION_ACTIONS) if any(m.scope is Scope.REGION for m in modules) else set()


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

    @property
    def execution_role_name(self) -> str:
        return self.role_name or DEFAULT_ROLE_NAMES[self.mode]


def playbook_modules(playbook_path: Any) -> list[Remediation]:
    """The distinct modules a playbook uses (validation errors surface as UserError from load_playbook)."""
    pb = load_playbook(playbook_path)
    names = sorted({c.remediation for c in pb.spec.controls})
    return [m for m in (get(n) for n in names) if m is not None]


def module_actions(modules: Iterable[Remediation], mode: str, *, org_only: bool = False) -> set[str]:
    actions: set[str] = set()
    for m in modules:
        if org_only and m.scope is not Scope.ORG:
            continue
        actions.update(m.read_actions)
        if mode == "apply":
            actions.update(m.write_actions)
    return actions


def _sid(prefix: str, service: str) -> str:
    return prefix + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", service))


# Actions that could grant more than soc2ctl needs (pass a role, write a policy, attach one, open a bucket):
# each is allowed only on what soc2ctl manages, by name prefix and condition, never on `*`.
MANAGED_PREFIX = "soc2ctl-"
SCOPED_GRANTS: dict[str, tuple[str, list[str], dict[str, Any] | None]] = {
    "iam:PassRole": (
        "PassManagedRolesToBackupAndCloudTrail",
        [
            "arn:aws:iam::*:role/service-role/AWSBackupDefaultServiceRole",
            f"arn:aws:iam::*:role/{MANAGED_PREFIX}*",
        ],
        {"StringEquals": {"iam:PassedToService": ["backup.amazonaws.com", "cloudtrail.amazonaws.com"]}},
    ),
    # org-cloudtrail's CloudWatch Logs delivery role (#19): soc2ctl creates and keeps only its own roles.
    "iam:CreateRole": ("CreateManagedRoles", [f"arn:aws:iam::*:role/{MANAGED_PREFIX}*"], None),
    "iam:PutRolePolicy": ("ManagedRoleInlinePolicies", [f"arn:aws:iam::*:role/{MANAGED_PREFIX}*"], None),
    "iam:UpdateAssumeRolePolicy": ("ManagedRoleTrust", [f"arn:aws:iam::*:role/{MANAGED_PREFIX}*"], None),
    "iam:CreatePolicy": ("CreateManagedPolicies", [f"arn:aws:iam::*:policy/{MANAGED_PREFIX}*"], None),
    "iam:AttachUserPolicy": (
        "AttachManagedPoliciesOnly",
        ["arn:aws:iam::*:user/*"],
        {"ArnLike": {"iam:PolicyARN": f"arn:aws:iam::*:policy/{MANAGED_PREFIX}*"}},
    ),
    "s3:PutBucketPolicy": ("ManagedBucketPolicies", [f"arn:aws:s3:::{MANAGED_PREFIX}*"], None),
}


def statements(actions: Iterable[str], *, sid_prefix: str = "") -> list[dict[str, Any]]:
    """One Allow statement per service, actions sorted, on every resource; the actions in
    `SCOPED_GRANTS` get a statement of their own, on soc2ctl's resources only."""
    by_service: dict[str, set[str]] = defaultdict(set)
    scoped: list[dict[str, Any]] = []
    for action in sorted(set(actions)):
        if action in SCOPED_GRANTS:
            sid, resources, condition = SCOPED_GRANTS[action]
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


def assume_role_statement(role_name: str) -> dict[str, Any]:
    """The caller may assume the execution role, by name, in any account, and nothing else."""
    return {
        "Sid": "AssumeExecutionRole",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Resource": f"arn:aws:iam::*:role/{role_name}",
    }


def document(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


def _allow(sid: str, actions: list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resource}


def run_option_statements(request: PolicyRequest) -> list[dict[str, Any]]:
    """What the caller needs for the evidence bucket, the shared apply lock and drift notifications, each
    on its own resource only (soc2ctl/evidence/sinks.py, soc2ctl/lock.py, soc2ctl/drift/)."""
    stmts = []
    if request.evidence:
        bucket, _, prefix = request.evidence.removeprefix("s3://").partition("/")
        if not request.evidence.startswith("s3://") or not bucket:
            raise UserError(f"--evidence {request.evidence!r}: give the S3 location as s3://BUCKET/PREFIX")
        stmts.append(
            _allow(
                "EvidenceBucket",
                ["s3:GetBucketObjectLockConfiguration", "s3:ListBucket"],
                f"arn:aws:s3:::{bucket}",
            )
        )
        objects = f"arn:aws:s3:::{bucket}/{prefix.strip('/') + '/' if prefix.strip('/') else ''}*"
        stmts.append(
            _allow("EvidenceObjects", ["s3:GetObject", "s3:PutObject", "s3:PutObjectRetention"], objects)
        )
    if request.lock and request.lock != "local":
        table = request.lock.removeprefix("dynamodb:")
        if not request.lock.startswith("dynamodb:") or not table:
            raise UserError(f"--lock {request.lock!r}: use 'local' or 'dynamodb:TABLE'")
        lock_actions = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
        stmts.append(_allow("ApplyLock", lock_actions, f"arn:aws:dynamodb:*:*:table/{table}"))
    if request.notify:
        if not request.notify.startswith("sns:arn:"):
            raise UserError(f"--notify {request.notify!r}: use sns:arn:aws:sns:REGION:ACCOUNT:TOPIC")
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


def policy_statements(modules: list[Remediation], request: PolicyRequest) -> list[dict[str, Any]]:
    if request.role == "member":
        if run_option_statements(request):
            raise UserError("--evidence, --lock, --notify and --findings are the caller's: add --role caller")
        return statements(module_actions(modules, request.mode) | engine_target_actions(modules))
    actions = set(ENGINE_CALLER_ACTIONS) | module_actions(modules, request.mode, org_only=True)
    actions |= engine_target_actions(modules)  # the management account is a target too
    assume = assume_role_statement(request.execution_role_name)
    return [assume, *run_option_statements(request), *statements(actions)]


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
    return split_policy(policy_statements(playbook_modules(playbook_path), request))
