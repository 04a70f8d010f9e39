from typing import Any

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"

# The playbook's defaults (vars `backup_plan_name`, `backup_vault_name`, `backup_retention_days`).
PLAN = "soc2-daily"
VAULT = "soc2-backup-vault"


def seed(ctx: SeedContext) -> None:
    """compliant: the daily plan (35 days) into the vault with the backup=true selection and the EFS and
    DynamoDB selection; drifted: the
    same, but the us-east-1 rule keeps backups 7 days and has no selection; fresh: nothing. (The vault
    itself is backup-vault's seed.)"""
    if ctx.posture == "fresh":
        return
    drifted = ctx.posture == "drifted" and ctx.region == "us-east-1"
    backup = ctx.client("backup")
    plan_id = backup.create_backup_plan(BackupPlan=_plan(7 if drifted else 35))["BackupPlanId"]
    if drifted:
        return
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "soc2-tagged",
            "IamRoleArn": ctx.arn("iam", "role/service-role/AWSBackupDefaultServiceRole", region=""),
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "true"}
            ],
        },
    )
    backup.create_backup_selection(  # the baseline's resource_types: every EFS file system and DynamoDB table
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "soc2-resource-types",
            "IamRoleArn": ctx.arn("iam", "role/service-role/AWSBackupDefaultServiceRole", region=""),
            "Resources": [
                ctx.arn("dynamodb", "table/*", region="*", account_id="*"),
                ctx.arn("elasticfilesystem", "file-system/*", region="*", account_id="*"),
            ],
        },
    )


def _plan(days: int) -> dict[str, Any]:
    rule = {
        "RuleName": "daily",
        "TargetBackupVaultName": VAULT,
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 1440,
        "Lifecycle": {"DeleteAfterDays": days},
    }
    return {"BackupPlanName": PLAN, "Rules": [rule]}
