"""A daily backup plan into the vault, with a tag-based selection of the resources it protects."""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import Field

from remediations import _preconditions as pre
from remediations._aws import client_token, error_code, paginate
from remediations._edge import any_account_arn
from soc2ctl.remediation import (
    Params,
    PlannedChange,
    Remediation,
    Requirement,
    Scope,
    Target,
    TaskContext,
    same,
)

_NAME = r"^[A-Za-z0-9_.-]{1,50}$"


class BackupPlanParams(Params):
    plan_name: str = Field("soc2-daily", pattern=_NAME)
    rule_name: str = Field("daily", pattern=_NAME)
    vault_name: str = "soc2-backup-vault"
    schedule: str = "cron(0 5 ? * * *)"  # daily, 05:00 UTC
    retention_days: int = Field(35, ge=1)
    start_window_minutes: int = Field(60, ge=60)
    completion_window_minutes: int = Field(1440, ge=60)
    copy_to_vault_arn: str | None = Field(None, pattern=r"^arn:aws[a-z-]*:backup:")  # None: copies unmanaged
    copy_retention_days: int | None = Field(None, ge=1)  # None: retention_days
    selection_name: str = Field("soc2-tagged", pattern=_NAME)
    selection_tags: dict[str, str] = Field(default_factory=lambda: {"backup": "true"}, min_length=1)
    # None: the account's role/service-role/AWSBackupDefaultServiceRole
    selection_role_arn: str | None = None
    # A second selection by resource type: every EFS file system / DynamoDB table of the account, tagged or not
    resource_types: list[Literal["EFS", "DynamoDB"]] = Field(default_factory=list)
    resource_selection_name: str = Field("soc2-resource-types", pattern=_NAME)


# resource type -> (ARN service, resource pattern) of the selection's `arn:<partition>:<service>:*:*:<pattern>`
RESOURCE_PATTERNS = {"EFS": ("elasticfilesystem", "file-system/*"), "DynamoDB": ("dynamodb", "table/*")}


def role_arn(ctx: TaskContext, params: BackupPlanParams) -> str:
    default = ctx.arn("iam", "role/service-role/AWSBackupDefaultServiceRole", region="")
    return params.selection_role_arn or default


def summarise_rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "target_vault": rule.get("TargetBackupVaultName"),
        "schedule": rule.get("ScheduleExpression"),
        "start_window_minutes": rule.get("StartWindowMinutes"),
        "completion_window_minutes": rule.get("CompletionWindowMinutes"),
        "delete_after_days": rule.get("Lifecycle", {}).get("DeleteAfterDays"),
        "copy_to": sorted(
            (
                {
                    "vault_arn": c["DestinationBackupVaultArn"],
                    "delete_after_days": c.get("Lifecycle", {}).get("DeleteAfterDays"),
                }
                for c in rule.get("CopyActions", [])
            ),
            key=lambda c: c["vault_arn"],
        ),
    }


def summarise_selection(selection: dict[str, Any]) -> dict[str, Any]:
    tags = {
        t["ConditionKey"]: t["ConditionValue"]
        for t in selection.get("ListOfTags", [])
        if t.get("ConditionType") == "STRINGEQUALS"
    }
    return {"iam_role_arn": selection.get("IamRoleArn"), "tags": tags}


class BackupPlan(Remediation[BackupPlanParams]):
    """Resources tagged for backup (and, by `resource_types`, every EFS file system and DynamoDB table) are
    backed up daily into the vault, kept `retention_days`, optionally copied.

    The plan and selection are found by name. Other rules of the plan are kept when its rule is updated; a
    selection, which AWS cannot update, is replaced (deleted and created again) when it differs."""

    name = "backup-plan"
    scope = Scope.REGION
    risk = "medium"  # new backup jobs cost storage; changing the rules changes what is kept
    criteria = ("A1.2", "A1.3", "CC9.1")
    # the DynamoDB ones hold with resource_types [DynamoDB]. (Prowler's efs_have_backup_enabled tests EFS's own
    # automatic-backup policy, not a plan selection: not named.)
    prowler_checks = ("backup_plans_exist", "dynamodb_table_protected_by_backup_plan")
    config_rules = (
        "backup-plan-min-frequency-and-min-retention-check",
        "dynamodb-in-backup-plan",
        "efs-in-backup-plan",
    )
    securityhub_controls = ("DynamoDB.4",)
    read_actions = (
        "backup:ListBackupPlans",
        "backup:GetBackupPlan",
        "backup:ListBackupSelections",
        "backup:GetBackupSelection",
        "backup:DescribeBackupVault",
    )
    write_actions = (
        "backup:CreateBackupPlan",
        "backup:UpdateBackupPlan",
        "backup:CreateBackupSelection",
        "backup:DeleteBackupSelection",
        "iam:PassRole",
    )

    def requires(self, target: Target, params: BackupPlanParams) -> list[Requirement]:
        return [pre.backup_vault(target.account_id, target.region, params.vault_name)]

    def read(self, ctx: TaskContext, params: BackupPlanParams) -> dict[str, Any]:
        backup = ctx.client("backup")
        plans = paginate(backup, "list_backup_plans", "BackupPlansList")
        plan_id = next(
            (p["BackupPlanId"] for p in plans if p.get("BackupPlanName") == params.plan_name), None
        )
        if plan_id is None:
            return {"plan_id": None, "selection_id": None, "rule": None, "selection": None, "resources": None}
        rules = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"]
        rule = next((r for r in rules if r["RuleName"] == params.rule_name), None)
        selections = paginate(backup, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id)
        selection_id = next(
            (s["SelectionId"] for s in selections if s["SelectionName"] == params.selection_name), None
        )
        selection = (
            backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)["BackupSelection"]
            if selection_id
            else None
        )
        by_type = next((s for s in selections if s["SelectionName"] == params.resource_selection_name), None)
        return {
            "plan_id": plan_id,
            "selection_id": selection_id,
            "rule": summarise_rule(rule) if rule else None,
            "selection": summarise_selection(selection) if selection else None,
            "resources": _resources(backup, plan_id, by_type["SelectionId"]) if by_type else None,
        }

    def desired(self, ctx: TaskContext, params: BackupPlanParams, observed: Any) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "target_vault": params.vault_name,
            "schedule": params.schedule,
            "start_window_minutes": params.start_window_minutes,
            "completion_window_minutes": params.completion_window_minutes,
            "delete_after_days": params.retention_days,
        }
        if params.copy_to_vault_arn:
            days = params.copy_retention_days or params.retention_days
            rule["copy_to"] = [{"vault_arn": params.copy_to_vault_arn, "delete_after_days": days}]
        selection = {"iam_role_arn": role_arn(ctx, params), "tags": dict(params.selection_tags)}
        want = {"rule": rule, "selection": selection}
        if params.resource_types:
            patterns = sorted(any_account_arn(ctx, *RESOURCE_PATTERNS[t]) for t in set(params.resource_types))
            want["resources"] = {"iam_role_arn": role_arn(ctx, params), "arns": patterns}
        return want

    def apply(self, ctx: TaskContext, change: PlannedChange[BackupPlanParams]) -> None:
        """Plan (rule) first: a selection belongs to a plan."""
        params, observed, want = change.params, change.observed, change.desired
        backup = ctx.client("backup")
        plan_id = observed["plan_id"]
        if plan_id is None:
            plan_id = self._create_plan(ctx, backup, params, want)
        elif not self._same(observed["rule"], want["rule"]):
            others = self._other_rules(backup, plan_id, params.rule_name)
            backup.update_backup_plan(
                BackupPlanId=plan_id, BackupPlan=self._plan(params, others, want["rule"])
            )
        if not self._same(observed["selection"], want["selection"]):
            if observed["selection_id"]:
                backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=observed["selection_id"])
            backup.create_backup_selection(
                BackupPlanId=plan_id, BackupSelection=self._selection(params, want)
            )
        if "resources" in want and not self._same(observed["resources"], want["resources"]):
            if observed["resources"]:
                backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=observed["resources"]["id"])
            selection = {
                "SelectionName": params.resource_selection_name,
                "IamRoleArn": want["resources"]["iam_role_arn"],
                "Resources": want["resources"]["arns"],
            }
            backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)

    def _create_plan(
        self, ctx: TaskContext, backup: Any, params: BackupPlanParams, want: dict[str, Any]
    ) -> str:
        """Created with a CreatorRequestId (AWS answers a re-sent create with the same plan); a plan of this
        name that exists after an unanswered create is ours, and adopted."""
        token = client_token(ctx, "backup-plan", params.plan_name)
        try:
            plan = self._plan(params, [], want["rule"])
            return backup.create_backup_plan(BackupPlan=plan, CreatorRequestId=token)["BackupPlanId"]
        except ClientError as exc:
            if error_code(exc) != "AlreadyExistsException":
                raise
            plans = paginate(backup, "list_backup_plans", "BackupPlansList")
            found = [p["BackupPlanId"] for p in plans if p["BackupPlanName"] == params.plan_name]
            if len(found) != 1:
                raise
            return found[0]

    @staticmethod
    def _same(have: dict[str, Any] | None, want: dict[str, Any]) -> bool:
        """Equal on the managed keys only (tags compared key by key, as the diff does)."""
        if have is None:
            return False
        for key, value in want.items():
            if isinstance(value, dict) and isinstance(have.get(key), dict):
                if not all(same(have[key].get(k), v) for k, v in value.items()):
                    return False
            elif not same(have.get(key), value):
                return False
        return True

    @staticmethod
    def _other_rules(backup: Any, plan_id: str, rule_name: str) -> list[dict[str, Any]]:
        """The plan's other rules as rule inputs (without the fields only AWS sets)."""
        rules = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"]
        return [{k: v for k, v in r.items() if k != "RuleId"} for r in rules if r["RuleName"] != rule_name]

    @staticmethod
    def _plan(params: BackupPlanParams, others: list[dict[str, Any]], rule: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "RuleName": params.rule_name,
            "TargetBackupVaultName": rule["target_vault"],
            "ScheduleExpression": rule["schedule"],
            "StartWindowMinutes": rule["start_window_minutes"],
            "CompletionWindowMinutes": rule["completion_window_minutes"],
            "Lifecycle": {"DeleteAfterDays": rule["delete_after_days"]},
        }
        if rule.get("copy_to"):
            body["CopyActions"] = [
                {
                    "DestinationBackupVaultArn": c["vault_arn"],
                    "Lifecycle": {"DeleteAfterDays": c["delete_after_days"]},
                }
                for c in rule["copy_to"]
            ]
        return {"BackupPlanName": params.plan_name, "Rules": [*others, body]}

    @staticmethod
    def _selection(params: BackupPlanParams, want: dict[str, Any]) -> dict[str, Any]:
        return {
            "SelectionName": params.selection_name,
            "IamRoleArn": want["selection"]["iam_role_arn"],
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": k, "ConditionValue": v}
                for k, v in sorted(want["selection"]["tags"].items())
            ],
        }


def _resources(backup: Any, plan_id: str, selection_id: str) -> dict[str, Any]:
    """The by-type selection: its role and ARN patterns (and id, to replace it; not compared)."""
    found = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)["BackupSelection"]
    arns = sorted(found.get("Resources", []))
    return {"id": selection_id, "iam_role_arn": found.get("IamRoleArn"), "arns": arns}
