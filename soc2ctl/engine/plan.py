"""The plan document: what every task observed and what would change, as versioned JSON.

Scripts depend on this shape (see docs/plan-schema.json); human renderings are built from it, so a saved
plan renders exactly like a fresh one. Secrets never enter the document: values are masked here, once, so no
renderer and no saved file can leak them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from soc2ctl import __version__, runlog
from soc2ctl.config.risk_exceptions import exception_json
from soc2ctl.config.secret_names import is_secret_key
from soc2ctl.engine.executor import TaskResult
from soc2ctl.remediation import Change

FORMAT_VERSION = 1
ACTIONS = ("create", "update", "delete", "detect", "excepted", "no-op", "error", "skipped")
CHANGING = frozenset({"create", "update", "delete"})
SENSITIVE_MASK = "(sensitive)"

# Values that are secrets whatever key holds them.
_SECRET_VALUES = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)"  # PEM keys
    r"|(?<![A-Za-z0-9/+=])(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+=]{16,}"  # STS session tokens
    r"|(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{100,}"  # any long base64 run: tokens, keys, certificates
    r"|(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"  # access key ids
)
_AWS_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def new_run_id() -> str:
    return runlog.new_run_id()  # one format for every run id (soc2ctl.runlog)


# ---------------------------------------------------------------- masking


def _looks_like_secret_key(match: re.Match[str]) -> bool:
    """A 40-character base64 word with upper, lower case and digits: an AWS secret access key. Hex digests
    (lower case only) and ordinary identifiers do not qualify."""
    text = match.group(0)
    return (
        any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)
    )


_SCALARS = frozenset({bool, int, float})


@lru_cache(maxsize=8192)
def redact_text(text: str) -> str:
    """Mask secret-looking substrings of free text (values, error messages). Cached: the plan and the
    evidence mask the same values (regions, settings, ARNs) for every task, two expressions each."""
    text = _SECRET_VALUES.sub(SENSITIVE_MASK, text)
    return _AWS_SECRET_KEY.sub(lambda m: SENSITIVE_MASK if _looks_like_secret_key(m) else m.group(0), text)


def redact(value: Any, *, secret: bool = False, sensitive: frozenset[str] = frozenset()) -> Any:
    """Mask secrets in a JSON value. `secret`: the value sits under a secret-named key, so its strings are
    masked (booleans and numbers such as `allow_users_to_change_password: true` stay readable). Keys in
    `sensitive` (declared by the module) are masked whatever their type."""
    if value is None or type(value) in _SCALARS:  # most values: no ABC checks for them
        return value
    if isinstance(value, Mapping):
        return {
            k: (SENSITIVE_MASK if v is not None else None)
            if str(k) in sensitive
            else redact(v, secret=secret or is_secret_key(str(k)), sensitive=sensitive)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v, secret=secret, sensitive=sensitive) for v in value]
    if isinstance(value, str | bytes):
        return SENSITIVE_MASK if secret else redact_text(value if isinstance(value, str) else repr(value))
    return value


def plain(value: Any) -> Any:
    """JSON data only, in one walk: what `json.loads(json.dumps(value, default=str))` returns (tuples become
    lists, str/int/float subclasses their base type, non-string keys strings, anything else `str()`)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if isinstance(value, dict):
        return {_plain_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    for base in (str, bool, int, float):
        if isinstance(value, base):
            return base(value) if base is not str else str.__str__(value)
    return str(value)


def _plain_key(key: Any) -> str:
    if isinstance(key, str):
        return str.__str__(key)
    if key is None or isinstance(key, int | float):
        return json.dumps(key)  # as json writes a key: true, null, 1, 1.5
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def masked_change(change: Change, sensitive: frozenset[str]) -> dict[str, Any]:
    keys, before, after = change.keys, plain(change.before), plain(change.after)
    if keys and keys[-1] in sensitive:
        return {
            "path": change.path,
            "before": None if before is None else SENSITIVE_MASK,
            "after": None if after is None else SENSITIVE_MASK,
        }
    secret = any(is_secret_key(k) for k in keys)
    return {
        "path": change.path,
        "before": redact(before, secret=secret, sensitive=sensitive),
        "after": redact(after, secret=secret, sensitive=sensitive),
    }


# ---------------------------------------------------------------- the document


def task_json(result: TaskResult) -> dict[str, Any]:
    """The task's JSON view (masked, JSON data only), built once per result and shared by the plan document,
    evidence, drift and apply records: a caller that adds fields copies it first (`{**task_json(r), ...}`).
    Assigning to any field of the result drops the view (TaskResult.__setattr__)."""
    view = result.__dict__.get("_json_view")
    if view is None:
        view = result.__dict__["_json_view"] = _task_view(result)
    return view


def _task_view(result: TaskResult) -> dict[str, Any]:
    task = result.task
    sensitive = frozenset(task.module.sensitive_fields)
    changes = [masked_change(c, sensitive) for c in result.changes]
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
        "risk": task.risk,
        "summary": task.summary,
        "affected_accounts": _affected(result),
        "error": redact_text(result.error) if result.error else result.error,
        "fingerprint": result.fingerprint,
    }
    if result.action == "detect":
        step = result.managed.human_step if result.managed else task.module.human_step
        doc["human_step"] = plain(step)
    if result.managed:
        doc["managed_elsewhere"] = plain(result.managed.to_json())  # soc2ctl reads it, never writes it
    if result.held:
        doc["held_back"] = plain(result.held.to_json())  # apply makes `changes`, a person these
    if task.requirements:
        doc["requires"] = [
            {"resource": str(r.resource), "satisfied_by": plain(task.satisfied_by.get(r.resource))}
            for r in task.requirements
        ]
    covering = task.exception.task or task.exception.expired
    if exception := exception_json(covering, expired=not task.exception.task):
        doc["exception"] = plain(exception)  # why it is excepted, or that its exception ran out
    return doc


def _affected(result: TaskResult) -> list[str]:
    """Organization scope: the accounts the change reaches (none when nothing changes); any other task
    reaches its own account only."""
    if result.task.scope.value == "org":
        return list(result.affected_accounts or [])
    return [result.task.account.id]


def summarize(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(t["action"] for t in tasks)
    summary: dict[str, Any] = {action: counts.get(action, 0) for action in ACTIONS}
    summary["tasks"] = len(tasks)
    summary["accounts"] = len({t["account_id"] for t in tasks})
    summary["accounts_with_changes"] = len(
        {t["account_id"] for t in tasks if t["action"] in CHANGING or t["action"] == "detect"}
    )
    return summary


def canonical_sha256(doc: dict[str, Any]) -> str:
    """SHA-256 of the document without its own `plan_sha256`: sorted keys, no whitespace, UTF-8. A ticket
    that quotes this hash pins exactly the plan that was reviewed."""
    body = {k: v for k, v in doc.items() if k != "plan_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def plan_document(
    results: dict[str, TaskResult],
    *,
    run_id: str,
    playbook: dict[str, Any],
    inventory: dict[str, Any],
    interrupted: bool = False,
    run: dict[str, Any] | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    """The plan as JSON data (each task's view is, and so is everything else here: the hash of a saved file
    equals the hash computed here). `run` holds what apply needs to re-create the run from a saved plan."""
    tasks = [task_json(r) for r in results.values()]
    doc = {
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "run_id": run_id,
        "created_at": created_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "playbook": playbook,
        "inventory": inventory,
        "run": plain(run),
        "interrupted": interrupted,
        "summary": summarize(tasks),
        "tasks": tasks,
    }
    doc["plan_sha256"] = canonical_sha256(doc)
    return doc


def has_changes(doc: dict[str, Any]) -> bool:
    """Detect-only findings are not pending changes: no apply can clear them, so they must not keep
    `--detailed-exitcode` at 2 forever. They stay visible in the output and the summary."""
    s = doc["summary"]
    return any(s[a] for a in CHANGING)


def has_errors(doc: dict[str, Any]) -> bool:
    return bool(doc["summary"]["error"]) or bool(doc["summary"]["skipped"])


# ---------------------------------------------------------------- the exit-code rule (docs/exit-codes.md)

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class Outcome:
    """What a plan, apply or drift run ended with, as the exit-code rule sees it."""

    interrupted: bool = False
    errors: bool = False  # a task failed or was skipped, or the run itself failed (limit, notification)
    changes: bool = False  # changes pending (plan), drift found (drift), changes left unapplied (apply)
    detect: bool = False  # detect-only findings open: no apply clears them, a person must act


def exit_code(outcome: Outcome, fail_on: Iterable[str]) -> int:
    """One rule for plan, apply and drift; the first that holds wins: interrupted 130, errors 1, then 2
    for changes or detect-only findings when the command fails on them (`fail_on`), else 0."""
    wanted = set(fail_on)
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    if outcome.errors:
        return EXIT_ERROR
    if (outcome.changes and "changes" in wanted) or (outcome.detect and "detect" in wanted):
        return EXIT_CHANGES
    return EXIT_OK


def plan_outcome(doc: dict[str, Any], *, interrupted: bool = False) -> Outcome:
    s = doc["summary"]
    return Outcome(interrupted, has_errors(doc), has_changes(doc), bool(s["detect"]))
