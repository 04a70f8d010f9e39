"""No IAM policy in use grants full administrator access (`"Action": "*"` on `"Resource": "*"`), or every
action of a service that guards the evidence (CloudTrail, KMS)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from remediations._edge import grants_admin, grants_full
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext

# (list call, its result key, name field, inline list call, inline get call)
_ENTITIES = (
    ("list_users", "Users", "UserName", "list_user_policies", "get_user_policy"),
    ("list_groups", "Groups", "GroupName", "list_group_policies", "get_group_policy"),
    ("list_roles", "Roles", "RoleName", "list_role_policies", "get_role_policy"),
)


class IamAdminPoliciesParams(Params):
    aws_managed: bool = Field(
        default=True,
        description="Also report attached AWS-managed policies granting *:* (AdministratorAccess); "
        "a sanctioned admin role is excepted per resource (the policy ARN) in the playbook.",
    )
    full_access_services: list[str] = Field(
        default_factory=lambda: ["cloudtrail", "kms"],
        description="Services no policy may grant `<service>:*` on `*` (whoever holds it can erase the trail "
        "or its keys); [] reports administrator access only.",
    )


class IamAdminPolicies(Remediation[IamAdminPoliciesParams]):
    """No attached customer-managed policy, inline policy or (by default) attached AWS-managed policy grants
    `*` on `*`, or `<service>:*` on `*` for the `full_access_services` (CloudTrail, KMS). Detect only: which
    principals need administrator access is a person's decision.

    Managed policies are keyed by their ARN (with the users, groups and roles they are attached to); inline
    policies by `<user|group|role ARN>/inline-policy/<name>`. Unattached managed policies grant nothing and
    are not listed. Service-linked roles' inline policies are AWS's and are skipped."""

    name = "iam-admin-policies"
    scope = Scope.ACCOUNT
    risk = "medium"  # detect only; nothing is written
    detect_only = True
    criteria = ("CC6.1", "CC6.3")
    prowler_checks = (
        "iam_customer_attached_policy_no_administrative_privileges",
        "iam_inline_policy_no_administrative_privileges",
        "iam_aws_attached_policy_no_administrative_privileges",
        "iam_policy_no_full_access_to_cloudtrail",  # with full_access_services (default) holding cloudtrail
        "iam_inline_policy_no_full_access_to_cloudtrail",
        "iam_policy_no_full_access_to_kms",  # and kms
        "iam_inline_policy_no_full_access_to_kms",
    )
    config_rules = ("iam-policy-no-statements-with-admin-access",)
    securityhub_controls = ("IAM.1",)
    read_actions = (
        "iam:ListPolicies",
        "iam:GetPolicyVersion",
        "iam:ListEntitiesForPolicy",
        "iam:ListUsers",
        "iam:ListGroups",
        "iam:ListRoles",
        "iam:ListUserPolicies",
        "iam:ListGroupPolicies",
        "iam:ListRolePolicies",
        "iam:GetUserPolicy",
        "iam:GetGroupPolicy",
        "iam:GetRolePolicy",
    )
    human_step = (
        "Replace each listed policy with least-privilege permissions (or detach it); keep full administrator "
        "access to break-glass and administrator roles, listed as playbook exceptions."
    )

    def read(self, ctx: TaskContext, params: IamAdminPoliciesParams) -> dict[str, Any]:
        iam = ctx.client("iam")
        found: dict[str, Any] = {}
        scopes = ("Local", "AWS") if params.aws_managed else ("Local",)
        for scope in scopes:
            for policy in paginate(iam, "list_policies", "Policies", Scope=scope, OnlyAttached=True):
                version = iam.get_policy_version(
                    PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"]
                )
                found[policy["Arn"]] = state = _verdict(version["PolicyVersion"]["Document"], params)
                if state["grants_admin"] or state["full_access"]:
                    state["attached_to"] = _attachments(iam, policy["Arn"])
        for list_call, key, name_field, list_inline, get_inline in _ENTITIES:
            for entity in paginate(iam, list_call, key):
                if "/aws-service-role/" in entity.get("Path", ""):
                    continue
                name = entity[name_field]
                for policy in paginate(iam, list_inline, "PolicyNames", **{name_field: name}):
                    doc = getattr(iam, get_inline)(**{name_field: name, "PolicyName": policy})[
                        "PolicyDocument"
                    ]
                    found[f"{entity['Arn']}/inline-policy/{policy}"] = _verdict(doc, params)
        return found

    def desired(self, ctx: TaskContext, params: IamAdminPoliciesParams, observed: Any) -> dict[str, Any]:
        return {key: {"grants_admin": False, "full_access": []} for key in observed}


def _verdict(doc: Any, params: IamAdminPoliciesParams) -> dict[str, Any]:
    admin = grants_admin(doc)
    full = [] if admin else sorted(s for s in params.full_access_services if grants_full(s, doc))
    return {"grants_admin": admin, "full_access": full}


def _attachments(iam: Any, arn: str) -> list[str]:
    """The groups, users and roles a managed policy is attached to, as `group/<name>` and so on."""
    found: list[str] = []
    for page in iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn):
        for kind in ("Group", "User", "Role"):
            found += [f"{kind.lower()}/{e[kind + 'Name']}" for e in page.get(f"Policy{kind}s", [])]
    return sorted(found)
