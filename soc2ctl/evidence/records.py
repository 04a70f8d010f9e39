"""The JSON documents of an evidence bundle: run metadata, one record per task, the run summary.

Why a module of its own: what an auditor reads must not depend on which sink stores it, and every value that
leaves the process passes through the same masking as the plan (soc2ctl.engine.plan.redact), so evidence can never
hold a secret that the plan would have hidden.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from soc2ctl import __version__
from soc2ctl.config.models import ControlSpec
from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import CHANGING, plain, redact, redact_text, task_json

FORMAT = "soc2ctl-evidence/1"
KINDS = ("plan", "apply", "drift")


def now_iso() -> str:
    """UTC with microseconds: records of one run must order by time even when tasks finish quickly."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def canonical_bytes(doc: dict[str, Any], *, compact: bool = False) -> bytes:
    """Stable bytes (sorted keys, indented for people who open the file): the digest is over these bytes.
    `compact`: one line, for the many per-task records of a plan, where the C encoder is ~10x cheaper than
    the indenting one (`jq .` indents them for a reader)."""
    if compact:
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    else:
        text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return (text + "\n").encode()


def control_json(control: ControlSpec, module_criteria: tuple[str, ...]) -> dict[str, Any]:
    """A control as the report needs it: which criteria it serves, and its documented exceptions."""
    return {
        "id": control.id,
        "remediation": control.remediation,
        "criteria": list(control.criteria or module_criteria),
        "risk": control.risk.value if control.risk else None,
        "auto_remediate": control.auto_remediate,
        "exceptions": [
            {
                "accounts": e.accounts,
                "regions": e.regions,
                "resources": e.resources,
                "justification": redact_text(e.justification),
                "owner": e.owner,
                "expires": e.expires.isoformat(),
            }
            for e in control.exceptions
        ],
    }


def run_metadata(
    *,
    kind: str,
    run_id: str,
    caller: dict[str, str],
    sources: dict[str, Any],
    controls: list[dict[str, Any]],
    accounts: list[dict[str, str]],
    plan_sha256: str | None,
    approval: dict[str, Any] | None,
) -> dict[str, Any]:
    """Who ran what, when, from which inputs. Only the caller's ARN and account: never a key id or token."""
    if kind not in KINDS:
        raise ValueError(f"evidence kind {kind!r}: one of {', '.join(KINDS)}")
    return redact(
        {
            "format": FORMAT,
            "kind": kind,
            "run_id": run_id,
            "tool_version": __version__,
            "caller": {"arn": caller.get("Arn"), "account": caller.get("Account")},
            "started_at": now_iso(),
            "playbook": sources.get("playbook"),
            "inventory": sources.get("inventory"),
            "plan_sha256": plan_sha256,
            "approval": approval,
            "controls": controls,
            "accounts": accounts,
        }
    )


def state_before(action: str) -> str:
    """Whether the target was in its control state when read: `in`, `out`, or `unknown` (not read)."""
    if action == "no-op":
        return "in"
    if action in CHANGING or action == "detect":
        return "out"
    return "unknown"


def state_after(result: TaskResult) -> str:
    """The state an apply left behind, from the verifying re-read (not from the apply call's success)."""
    if result.status == "changed":
        return "in"
    if result.status == "out-of-state":  # a detect-only task: nothing applied, still differs
        return "out"
    if result.status in ("ok", "planned"):  # nothing to change (or an apply that did not get to it)
        return state_before(result.action)
    if result.status == "failed" and result.action in CHANGING:
        return "out"
    return "unknown"


def task_record(seq: int, result: TaskResult, kind: str) -> dict[str, Any]:
    """One task as an auditor samples it: before, desired, what was done (with request ids), after."""
    sensitive = frozenset(result.task.module.sensitive_fields)
    doc = dict(task_json(result))  # masked changes and error, criteria, risk, fingerprint
    doc.update(
        {
            "format": FORMAT,
            "seq": seq,
            "kind": kind,
            "recorded_at": now_iso(),
            "status": result.status,
            "observed": redact(plain(result.observed), sensitive=sensitive),
            "desired": redact(plain(result.desired), sensitive=sensitive),
            "verified": redact(plain(result.verified), sensitive=sensitive),
            "actions": [c.to_json() for c in result.calls if c.is_write],
            "read_calls": sum(1 for c in result.calls if not c.is_write),
            "state_before": state_before(result.action),
            "state_after": state_after(result)
            if kind != "plan"
            else None,  # apply and drift runs change things
        }
    )
    return doc


def summary(
    results: list[dict[str, Any]], *, plan_sha256: str | None, interrupted: bool, stopped: str | None
) -> dict[str, Any]:
    """The end of the run: counts by outcome, and why it ended early if it did."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {
        "format": FORMAT,
        "ended_at": now_iso(),
        "plan_sha256": plan_sha256,
        "tasks": len(results),
        "statuses": dict(sorted(counts.items())),
        "interrupted": interrupted,
        "stopped": stopped,
    }
