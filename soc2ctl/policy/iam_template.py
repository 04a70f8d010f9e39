"""A CloudFormation template (for a StackSet) that creates soc2ctl's execution roles in member accounts.

Generated, never hand-edited: the policies come from `soc2ctl.policy.iam_policy`, so the template can only drift
from the modules when someone forgets to regenerate it, and a test catches that. Two roles, so that a
reviewer's or CI's plan job can never write: `soc2ctl-plan` (read actions only) and `soc2ctl-apply` (read and
write). Each trusts only its own named caller roles (`PlanCallerRoleArns`, `ApplyCallerRoleArns`), never a
whole account, so the pull-request job that may plan cannot assume the apply role; both require an external
id (the confused-deputy guard).
The policies are `AWS::IAM::ManagedPolicy` resources, not inline role policies: a managed policy holds 6,144
characters and a role up to ten of them, while all inline policies of a role share 10,240.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from soc2ctl.policy import template_logs
from soc2ctl.policy.iam_policy import (
    DEFAULT_ROLE_NAMES,
    PolicyRequest,
    playbook_uses,
    policy_statements,
    split_policy,
)

COMMAND = "soc2ctl iam-policy {playbook} --format cloudformation > deploy/soc2ctl-roles.yaml"
# One template for every partition: CloudFormation puts in the stack's own (aws, aws-us-gov, aws-cn).
CFN_PARTITION = "${AWS::Partition}"


def _substituted(value: Any) -> Any:
    """Every string naming the partition, an account or a parameter (`${...}`) becomes an `Fn::Sub`."""
    if isinstance(value, str):
        return {"Fn::Sub": value} if "${" in value else value
    if isinstance(value, list):
        return [_substituted(v) for v in value]
    if isinstance(value, dict):
        return {k: _substituted(v) for k, v in value.items()}
    return value


class _NoAliases(yaml.SafeDumper):
    """CloudFormation rejects YAML aliases: a document used twice is written out twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _parameters() -> dict[str, Any]:
    return {
        "PlanCallerRoleArns": {
            "Type": "CommaDelimitedList",
            "Description": "IAM role ARNs allowed to assume the plan role (e.g. the CI plan job's role).",
        },
        "ApplyCallerRoleArns": {
            "Type": "CommaDelimitedList",
            "Description": "IAM role ARNs allowed to assume the apply role (the approved apply job only).",
        },
        "ExternalId": {
            "Type": "String",
            "MinLength": 2,
            "MaxLength": 1224,
            "NoEcho": True,
            "Description": "External id soc2ctl passes when assuming the roles (inventory: organization.external_id).",
        },
        "PlanRoleName": {"Type": "String", "Default": DEFAULT_ROLE_NAMES["plan"]},
        "ApplyRoleName": {"Type": "String", "Default": DEFAULT_ROLE_NAMES["apply"]},
    }


def _trust_policy(prefix: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": f"{prefix}CallerRoleArns"}},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
            }
        ],
    }


def _role_resources(prefix: str, description: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The role `<prefix>Role` and its managed policies `<prefix>Policy<n>`."""
    resources: dict[str, Any] = {}
    for n, doc in enumerate(docs, start=1):
        resources[f"{prefix}Policy{n}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"Description": f"{description} ({n}/{len(docs)})", "PolicyDocument": doc},
        }
    resources[f"{prefix}Role"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": {"Ref": f"{prefix}RoleName"},
            "Description": description,
            "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": _trust_policy(prefix),
            "ManagedPolicyArns": [{"Ref": f"{prefix}Policy{n}"} for n in range(1, len(docs) + 1)],
            "Tags": [{"Key": "managed-by", "Value": "soc2ctl"}],
        },
    }
    return resources


def template(
    playbook_path: Path, playbook_label: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    uses = playbook_uses(playbook_path, variables)
    plan = PolicyRequest(mode="plan", partition=CFN_PARTITION)
    plan_docs = _substituted(split_policy(policy_statements(uses, plan)))
    apply = PolicyRequest(mode="apply", partition=CFN_PARTITION)
    apply_docs = _substituted(split_policy(policy_statements(uses, apply)))
    logs = _substituted(template_logs.log_resources(playbook_path, variables))
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"soc2ctl execution roles for playbook {playbook_label}: plan (read-only) and apply; "
        "the log archive's buckets and the trail's delivery role, which those roles never write.",
        "Parameters": {**_parameters(), **(template_logs.parameters() if logs else {})},
        **({"Conditions": template_logs.conditions()} if logs else {}),
        "Resources": {
            **_role_resources("Plan", "soc2ctl plan: read-only, assumed by soc2ctl plan", plan_docs),
            **_role_resources("Apply", "soc2ctl apply: reads and remediates SOC 2 settings", apply_docs),
            **logs,
        },
        "Outputs": {
            "PlanRoleArn": {"Value": {"Fn::GetAtt": ["PlanRole", "Arn"]}},
            "ApplyRoleArn": {"Value": {"Fn::GetAtt": ["ApplyRole", "Arn"]}},
        },
    }


def render(playbook_path: Path, playbook_label: str, variables: dict[str, Any] | None = None) -> str:
    """The template as YAML, with a header that says how it was made and how to remake it."""
    header = (
        f"# Generated by soc2ctl from playbook {playbook_label}; do not edit.\n"
        f"# Regenerate with: {COMMAND.format(playbook=playbook_label)}\n"
        "# Deploy as a service-managed StackSet to the OUs soc2ctl covers; in the management account (which\n"
        "# StackSets skip) deploy it as a plain stack if the inventory includes it or the caller is elsewhere.\n"
        "# Set ManagementAccountId, LogArchiveAccountId and OrganizationId (and deploy in the home region): the\n"
        "# management account's stack then creates the trail's delivery role, the log archive's the log buckets.\n"
    )
    body = yaml.dump(
        template(playbook_path, playbook_label, variables), Dumper=_NoAliases, sort_keys=False, width=110
    )
    return header + body
