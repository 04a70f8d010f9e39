"""IAM users get permissions through groups (or roles they assume), never policies attached to them."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class IamUserPolicies(Remediation[Params]):
    """No IAM user has a managed policy attached or an inline policy of its own (detect only).

    Keyed by user ARN; each lists the policy names found. Moving a user's permissions to a group changes
    what they can do mid-flight, so a person does it."""

    name = "iam-user-policies"
    scope = Scope.ACCOUNT
    risk = "medium"  # detect only; nothing is written
    detect_only = True
    criteria = ("CC6.1", "CC6.2", "CC6.3")
    prowler_checks = ("iam_policy_attached_only_to_group_or_roles",)
    config_rules = ("iam-user-no-policies-check",)
    securityhub_controls = ("IAM.2",)
    read_actions = ("iam:ListUsers", "iam:ListAttachedUserPolicies", "iam:ListUserPolicies")
    human_step = (
        "Put each listed user in a group that carries the permissions (or have them assume a role), then "
        "detach the user's managed policies and delete its inline policies."
    )

    def read(self, ctx: TaskContext, params: Params) -> dict[str, Any]:
        iam = ctx.client("iam")
        found: dict[str, Any] = {}
        for user in paginate(iam, "list_users", "Users"):
            name = user["UserName"]
            attached = paginate(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)
            found[user["Arn"]] = {
                "attached_policies": sorted(p["PolicyName"] for p in attached),
                "inline_policies": sorted(paginate(iam, "list_user_policies", "PolicyNames", UserName=name)),
            }
        return found

    def desired(self, ctx: TaskContext, params: Params, observed: Any) -> dict[str, Any]:
        return {arn: {"attached_policies": [], "inline_policies": []} for arn in observed}
