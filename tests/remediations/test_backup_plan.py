import pytest

from tests.helpers import ModuleRun, member_client, write_calls

MODULE = "backup-plan"
COPY = "arn:aws:backup:eu-west-1:{account}:backup-vault:soc2-backup-vault"


@pytest.fixture(autouse=True)
def vaults(request) -> None:
    """A backup plan needs its vault (a precondition the backup-vault control provides): every account and
    region of the in-process organization has one."""
    if "org" not in request.fixturenames:
        return
    for account in request.getfixturevalue("org").values():
        for region in ("us-east-1", "eu-west-1"):
            member_client("backup", account, region).create_backup_vault(BackupVaultName="soc2-backup-vault")


def role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole"


def rule(days: int = 35, copy: list | None = None) -> dict:
    found = {
        "target_vault": "soc2-backup-vault",
        "schedule": "cron(0 5 ? * * *)",
        "start_window_minutes": 60,
        "completion_window_minutes": 1440,
        "delete_after_days": days,
    }
    return found if copy is None else {**found, "copy_to": copy}


def plan_of(account: str, region: str = "us-east-1") -> tuple[dict, list[dict]]:
    backup = member_client("backup", account, region)
    (listed,) = backup.list_backup_plans()["BackupPlansList"]
    plan = backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"])["BackupPlan"]
    selections = [
        backup.get_backup_selection(BackupPlanId=listed["BackupPlanId"], SelectionId=s["SelectionId"])[
            "BackupSelection"
        ]
        for s in backup.list_backup_selections(BackupPlanId=listed["BackupPlanId"])["BackupSelectionsList"]
    ]
    return plan, selections


def test_absent_plan_and_selection_are_created_with_copy(org):
    account = org["alpha"]
    copy = COPY.format(account=account)
    run = ModuleRun(MODULE, {"copy_to_vault_arn": copy}, account)
    planned = run.plan()
    assert planned.action == "create"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("rule", None, rule(copy=[{"vault_arn": copy, "delete_after_days": 35}])),
        ("selection", None, {"iam_role_arn": role(account), "tags": {"backup": "true"}}),
    ]
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == ["backup:CreateBackupPlan", "backup:CreateBackupSelection"]
    plan, selections = plan_of(account)
    (daily,) = plan["Rules"]
    assert (daily["RuleName"], daily["Lifecycle"], daily["TargetBackupVaultName"]) == (
        "daily",
        {"DeleteAfterDays": 35},
        "soc2-backup-vault",
    )
    assert daily["CopyActions"] == [{"DestinationBackupVaultArn": copy, "Lifecycle": {"DeleteAfterDays": 35}}]
    assert selections == [
        {
            "SelectionName": "soc2-tagged",
            "IamRoleArn": role(account),
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "true"}
            ],
        }
    ]


def test_compliant_is_noop(org):
    assert ModuleRun(MODULE, {}, org["beta"], region="eu-west-1").apply().status == "changed"
    result = ModuleRun(MODULE, {}, org["beta"], region="eu-west-1").plan()
    assert result.action == "no-op" and result.changes == []


def test_drifted_retention_is_updated_keeping_other_rules_and_selection_replaced(org):
    account = org["gamma"]
    backup = member_client("backup", account)
    other = {
        "RuleName": "weekly",
        "TargetBackupVaultName": "other",
        "ScheduleExpression": "cron(0 1 ? * 1 *)",
    }
    mine = {
        "RuleName": "daily",
        "TargetBackupVaultName": "soc2-backup-vault",
        "Lifecycle": {"DeleteAfterDays": 7},
    }
    mine |= {
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 1440,
    }
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "soc2-daily", "Rules": [other, mine]})[
        "BackupPlanId"
    ]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "soc2-tagged",
            "IamRoleArn": role(account),
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}
            ],
        },
    )
    run = ModuleRun(MODULE, {"retention_days": 35}, account)
    planned = run.plan()
    assert planned.action == "update"
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("rule.delete_after_days", 7, 35),
        ("selection.tags.backup", "yes", "true"),
    ]
    applied = run.apply()
    assert write_calls(applied) == [
        "backup:UpdateBackupPlan",
        "backup:DeleteBackupSelection",
        "backup:CreateBackupSelection",
    ]
    plan, selections = plan_of(account)
    rules = {r["RuleName"]: r for r in plan["Rules"]}
    assert rules["daily"]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rules["weekly"]["TargetBackupVaultName"] == "other"
    assert [s["ListOfTags"][0]["ConditionValue"] for s in selections] == ["true"]


def test_missing_selection_only(org):
    account = org["alpha"]
    ModuleRun(MODULE, {}, account).apply()
    backup = member_client("backup", account)
    (listed,) = backup.list_backup_plans()["BackupPlansList"]
    (sel,) = backup.list_backup_selections(BackupPlanId=listed["BackupPlanId"])["BackupSelectionsList"]
    backup.delete_backup_selection(BackupPlanId=listed["BackupPlanId"], SelectionId=sel["SelectionId"])
    run = ModuleRun(MODULE, {}, account)
    assert [(c.path, c.before) for c in run.plan().changes] == [("selection", None)]
    assert write_calls(run.apply()) == ["backup:CreateBackupSelection"]


def test_resource_types_add_a_selection_of_every_efs_and_dynamodb_resource(org):
    """A second selection by ARN pattern, in the form Prowler and AWS Config recognise (`arn:<partition>:
    dynamodb:*:*:table/*`); changing the types replaces it, the tag selection is untouched."""
    account = org["alpha"]
    run = ModuleRun(MODULE, {"resource_types": ["EFS", "DynamoDB"]}, account)
    assert run.apply().status == "changed"
    _, selections = plan_of(account)
    by_type = next(s for s in selections if s["SelectionName"] == "soc2-resource-types")
    assert sorted(by_type["Resources"]) == [
        "arn:aws:dynamodb:*:*:table/*",
        "arn:aws:elasticfilesystem:*:*:file-system/*",
    ]
    assert run.plan().action == "no-op"
    assert write_calls(run.apply()) == []
    narrowed = ModuleRun(MODULE, {"resource_types": ["DynamoDB"]}, account)
    planned = narrowed.plan()
    assert [c.path for c in planned.changes] == ["resources.arns"]
    assert write_calls(narrowed.apply()) == ["backup:DeleteBackupSelection", "backup:CreateBackupSelection"]
    _, selections = plan_of(account)
    assert sorted(s["SelectionName"] for s in selections) == ["soc2-resource-types", "soc2-tagged"]
    assert narrowed.plan().action == "no-op"
