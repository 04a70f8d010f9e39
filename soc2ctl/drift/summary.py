"""The drift run's JSON document: printed on stdout for schedulers and scripts, stored as the run's
`drift.json` evidence, summarised in the SNS message.

Why one document for all three: the alert, the scheduler's log and the auditor's record must not tell
different stories. Tasks in state are counted, not listed (a 3000-account run must stay readable).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from soc2ctl.drift.classify import NON_COMPLIANT, DriftItem
from soc2ctl.drift.policy import Decision, Limits
from soc2ctl.engine.plan import task_json

FORMAT = "soc2ctl-drift/1"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def item_json(item: DriftItem) -> dict[str, Any]:
    doc = dict(task_json(item.result))
    final = item.after or item.result
    doc.update(
        {
            "classification": item.classification,
            "since": item.since,
            "exception_expired": item.exception_expired,
            "auto_remediate": item.result.task.control.auto_remediate,
            "remediation": item.remediation,
            "reason": item.reason,
            "status": final.status,
            "state_after": "in" if item.restored else ("out" if item.still_out else None),
            "restored_at": _now() if item.restored else None,
        }
    )
    if item.after is not None and item.after.error:
        doc["error"] = task_json(item.after)["error"]
    return doc


def counts(items: list[DriftItem]) -> dict[str, int]:
    by_class = Counter(i.classification for i in items)
    return {
        "tasks": len(items),
        "in_state": by_class["in-state"],
        "drift": by_class["drift"],
        "never_compliant": by_class["never-compliant"],
        "excepted": by_class["excepted"],
        "exception_expired": sum(1 for i in items if i.exception_expired),
        "errors": by_class["error"] + sum(1 for i in items if i.after is not None and i.after.failed),
        "remediated": sum(1 for i in items if i.restored),
        "still_out": sum(1 for i in items if i.still_out),
    }


def document(
    run: Any,
    items: list[DriftItem],
    decision: Decision,
    limits: Limits,
    *,
    remediate: bool,
    started_at: str,
) -> dict[str, Any]:
    """Everything but the notification results (added by the runner once they are sent)."""
    listed = [i for i in items if i.classification != "in-state"]
    return {
        "format": FORMAT,
        "run_id": run.run_id,
        "started_at": started_at,
        "ended_at": _now(),
        **run.sources(),
        "remediate": remediate,
        "limits": limits.to_json(),
        "blast_radius": {
            "breached": decision.breach is not None,
            "reason": decision.breach,
            "planned_changes": decision.planned,
            "per_account": decision.per_account,
        },
        "summary": counts(items),
        "tasks": [item_json(i) for i in listed],
    }


def has_drift(doc: dict[str, Any]) -> bool:
    s = doc["summary"]
    return bool(s["drift"] or s["never_compliant"])


def is_alert(doc: dict[str, Any]) -> bool:
    """Worth telling a person: something was out of state, a limit refused the fix, or tasks failed."""
    return has_drift(doc) or doc["blast_radius"]["breached"] or bool(doc["summary"]["errors"])


def non_compliant(items: list[DriftItem]) -> list[DriftItem]:
    return [i for i in items if i.classification in NON_COMPLIANT]
