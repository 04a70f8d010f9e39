"""The shape a saved plan file must have before anything reads its fields.

Saved plans come from pull requests and change tickets like any other input: a hand-made or truncated file
must be one clear error, not a KeyError in a renderer. This checks only what `show` and `apply` read; the
plan's meaning (hash, sources, freshness) is checked by `soc2ctl.run.saved_plan`.
"""

from __future__ import annotations

from typing import Any

_TASK_TEXT = ("key", "control", "account_id", "account_name", "action")
_TASK_OPTIONAL_TEXT = ("region", "error", "human_step", "risk", "remediation", "scope", "fingerprint")


def _text(value: Any, optional: bool = False) -> bool:
    return isinstance(value, str) or (optional and value is None)


def task_problem(i: int, task: Any) -> str | None:
    if not isinstance(task, dict):
        return f"tasks[{i}] is not an object"
    for key in _TASK_TEXT:
        if not _text(task.get(key)):
            return f"tasks[{i}].{key} is missing or not text"
    for key in _TASK_OPTIONAL_TEXT:
        if not _text(task.get(key), optional=True):
            return f"tasks[{i}].{key} is not text"
    if not isinstance(task.get("changes", []), list) or not all(
        isinstance(c, dict) and _text(c.get("path")) for c in task.get("changes", [])
    ):
        return f"tasks[{i}].changes must be a list of {{path, before, after}}"
    if not isinstance(task.get("criteria", []), list) or not all(_text(c) for c in task.get("criteria", [])):
        return f"tasks[{i}].criteria must be a list of text"
    exception = task.get("exception")
    if exception is not None and not (
        isinstance(exception, dict) and all(_text(v, True) for v in exception.values())
    ):
        return f"tasks[{i}].exception must be an object of text"
    return None


def shape_problem(doc: dict[str, Any]) -> str | None:
    """The first thing wrong with the plan's shape, or None."""
    if not isinstance(doc.get("tasks"), list):
        return "tasks must be a list"
    for key in ("playbook", "inventory", "summary"):
        if not isinstance(doc.get(key), dict):
            return f"{key} must be an object"
    if doc.get("run") is not None and not isinstance(doc["run"], dict):
        return "run must be an object"
    for key in ("playbook", "inventory"):
        if not (_text(doc[key].get("path"), optional=True) and _text(doc[key].get("sha256"))):
            return f"{key}.sha256 must be text"
    run = doc.get("run") or {}
    for key in ("playbook_path", "inventory_path", "limit", "playbook_name"):
        if not _text(run.get(key), optional=True):
            return f"run.{key} must be text"
    if not isinstance(run.get("extra_vars", {}), dict) or not isinstance(run.get("controls") or [], list):
        return "run.extra_vars must be an object and run.controls a list"
    summary = doc["summary"]
    counts = ("create", "update", "delete", "detect", "accounts_with_changes", "error", "skipped")
    if not all(isinstance(summary.get(k), int) and not isinstance(summary.get(k), bool) for k in counts):
        return f"summary must count {', '.join(counts)}"
    return next((p for i, t in enumerate(doc["tasks"]) if (p := task_problem(i, t))), None)
