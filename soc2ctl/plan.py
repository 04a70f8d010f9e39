"""The plan document: what every task observed and what would change, as versioned JSON.

Scripts depend on this shape (see docs/plan-schema.json); human renderings are built from it, so a saved
plan renders exactly like a fresh one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from typing import Any

from soc2ctl import __version__
from soc2ctl.executor import TaskResult

FORMAT_VERSION = 1
ACTIONS = ("create", "update", "delete", "detect", "no-op", "error", "skipped")
CHANGING = frozenset({"create", "update", "delete"})
SENSITIVE_MASK = "(sensitive)"


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def task_json(result: TaskResult) -> dict[str, Any]:
    task = result.task
    sensitive = task.module.sensitive_fields
    changes = []
    for change in result.changes:
        item = change.to_json()
        if change.path.rsplit(".", 1)[-1] in sensitive:
            item["before"] = None if change.before is None else SENSITIVE_MASK
            item["after"] = None if change.after is None else SENSITIVE_MASK
        changes.append(item)
    doc: dict[str, Any] = {
        "key": task.key,
        "control": task.control.id,
        "remediation": task.module.name,
        "scope": task.scope.value,
        "account_id": task.account.id,
        "account_name": task.account.name,
        "region": task.region,
        "action": result.action,
        "changes": changes,
        "criteria": list(task.control.criteria or task.module.criteria),
        "risk": task.control.risk.value,
        "error": result.error,
        "fingerprint": result.fingerprint,
    }
    if result.action == "detect":
        doc["human_step"] = task.module.human_step
    return doc


def summarize(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(t["action"] for t in tasks)
    summary: dict[str, Any] = {action: counts.get(action, 0) for action in ACTIONS}
    summary["tasks"] = len(tasks)
    summary["accounts"] = len({t["account_id"] for t in tasks})
    summary["accounts_with_changes"] = len(
        {t["account_id"] for t in tasks if t["action"] in CHANGING or t["action"] == "detect"}
    )
    return summary


def plan_document(
    results: dict[str, TaskResult],
    *,
    run_id: str,
    playbook: dict[str, Any],
    inventory: dict[str, Any],
    interrupted: bool = False,
) -> dict[str, Any]:
    tasks = [task_json(r) for r in results.values()]
    return {
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "playbook": playbook,
        "inventory": inventory,
        "interrupted": interrupted,
        "summary": summarize(tasks),
        "tasks": tasks,
    }


def has_changes(doc: dict[str, Any]) -> bool:
    """Detect-only findings are not pending changes: no apply can clear them, so they must not keep
    `--detailed-exitcode` at 2 forever. They stay visible in the output and the summary."""
    s = doc["summary"]
    return any(s[a] for a in CHANGING)


def has_errors(doc: dict[str, Any]) -> bool:
    return bool(doc["summary"]["error"]) or bool(doc["summary"]["skipped"])
