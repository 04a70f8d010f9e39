"""Backup: UpdateBackupPlan and backup selections (Create/Get/List/DeleteBackupSelection), missing in moto 5.2.

A backup plan protects nothing without a selection, so a backup-plan control cannot be tested without them.
Also: DeleteBackupPlan refuses a plan that still has selections, as AWS does. Selections live on the plan
backend (created lazily, so backends built before `apply()` work too); the REST routes are added to moto's
backup `url_paths`, which both the in-process stubber and the server's Flask app read.
"""

from __future__ import annotations

import json
from typing import Any

_SELECTIONS = "{0}/backup/plans/(?P<plan_id>[^/]+)/selections/?$"
_SELECTION = "{0}/backup/plans/(?P<plan_id>[^/]+)/selections/(?P<selection_id>[^/]+)/?$"


def _selections(backend: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """plan id -> selection id -> selection record."""
    return backend.__dict__.setdefault("backup_selections", {})


def _live_plan(backend: Any, plan_id: str) -> Any:
    from moto.backup.exceptions import ResourceNotFoundException

    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise ResourceNotFoundException(msg=f"Failed reading Backup plan {plan_id}")
    return plan


def _with_rule_defaults(backup_plan: dict[str, Any]) -> dict[str, Any]:
    """What AWS fills in for an omitted rule field (the same defaults moto's CreateBackupPlan applies)."""
    from moto.moto_api._internal import mock_random

    for rule in backup_plan.get("Rules", []):
        rule.setdefault("ScheduleExpression", "cron(0 5 ? * * *)")
        rule.setdefault("StartWindowMinutes", 480)
        rule.setdefault("CompletionWindowMinutes", 10080)
        rule.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        rule["RuleId"] = str(mock_random.uuid4())
    return backup_plan


def _update_backup_plan(self: Any) -> str:
    from moto.moto_api._internal import mock_random

    backend = self.backup_backend
    plan = _live_plan(backend, self.uri_match["backupPlanId"])
    body = json.loads(self.body)
    plan.backup_plan = _with_rule_defaults(body["BackupPlan"])
    plan.advanced_backup_settings = body["BackupPlan"].get("AdvancedBackupSettings") or []
    plan.version_id = mock_random.get_random_string(length=48)
    return json.dumps(plan.to_dict())


def _create_backup_selection(self: Any) -> str:
    from moto.backup.exceptions import AlreadyExistsException, InvalidParameterValueException
    from moto.core.utils import unix_time
    from moto.moto_api._internal import mock_random

    backend = self.backup_backend
    plan_id = self.uri_match["backupPlanId"]
    _live_plan(backend, plan_id)
    body = json.loads(self.body)
    selection = body["BackupSelection"]
    if not selection.get("IamRoleArn", "").startswith("arn:"):
        raise InvalidParameterValueException(msg="IamRoleArn must be a role ARN")
    existing = _selections(backend).setdefault(plan_id, {})
    if any(s["BackupSelection"]["SelectionName"] == selection["SelectionName"] for s in existing.values()):
        raise AlreadyExistsException(msg=f"Backup selection {selection['SelectionName']} already exists")
    selection_id = str(mock_random.uuid4())
    existing[selection_id] = {
        "BackupSelection": selection,
        "SelectionId": selection_id,
        "BackupPlanId": plan_id,
        "CreationDate": unix_time(),
        "CreatorRequestId": body.get("CreatorRequestId") or str(mock_random.uuid4()),
    }
    return json.dumps({k: existing[selection_id][k] for k in ("SelectionId", "BackupPlanId", "CreationDate")})


def _selection(backend: Any, plan_id: str, selection_id: str) -> dict[str, Any]:
    from moto.backup.exceptions import ResourceNotFoundException

    found = _selections(backend).get(plan_id, {}).get(selection_id)
    if found is None:
        raise ResourceNotFoundException(msg=f"Failed reading backup selection {selection_id}")
    return found


def _get_backup_selection(self: Any) -> str:
    return json.dumps(
        _selection(self.backup_backend, self.uri_match["backupPlanId"], self.uri_match["selectionId"])
    )


def _list_backup_selections(self: Any) -> str:
    """One entry per selection, paged by MaxResults/NextToken (an index) as AWS pages them."""
    plan_id = self.uri_match["backupPlanId"]
    _live_plan(self.backup_backend, plan_id)
    found = list(_selections(self.backup_backend).get(plan_id, {}).values())
    params = self._get_params()
    start = int(params.get("nextToken") or 0)
    limit = int(params.get("maxResults") or 1000)
    page = found[start : start + limit]
    body: dict[str, Any] = {
        "BackupSelectionsList": [
            {
                "SelectionId": s["SelectionId"],
                "SelectionName": s["BackupSelection"]["SelectionName"],
                "BackupPlanId": s["BackupPlanId"],
                "CreationDate": s["CreationDate"],
                "CreatorRequestId": s["CreatorRequestId"],
                "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
            }
            for s in page
        ]
    }
    if start + limit < len(found):
        body["NextToken"] = str(start + limit)
    return json.dumps(body)


def _delete_backup_selection(self: Any) -> str:
    plan_id, selection_id = self.uri_match["backupPlanId"], self.uri_match["selectionId"]
    _selection(self.backup_backend, plan_id, selection_id)
    del _selections(self.backup_backend)[plan_id][selection_id]
    return "{}"


def _refuse_plan_deletion_with_selections(original: Any) -> Any:
    def delete_backup_plan(self: Any, backup_plan_id: str) -> Any:
        from moto.backup.exceptions import InvalidRequestException

        if _selections(self).get(backup_plan_id):
            raise InvalidRequestException(
                msg="Related backup plan selections must be deleted prior to backup plan deletion"
            )
        return original(self, backup_plan_id)

    return delete_backup_plan


def apply() -> None:
    from moto.backup import urls
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    urls.url_paths.setdefault(_SELECTIONS, BackupResponse.dispatch)
    urls.url_paths.setdefault(_SELECTION, BackupResponse.dispatch)
    BackupResponse.update_backup_plan = _update_backup_plan
    BackupResponse.create_backup_selection = _create_backup_selection
    BackupResponse.get_backup_selection = _get_backup_selection
    BackupResponse.list_backup_selections = _list_backup_selections
    BackupResponse.delete_backup_selection = _delete_backup_selection
    BackupBackend.delete_backup_plan = _refuse_plan_deletion_with_selections(BackupBackend.delete_backup_plan)
