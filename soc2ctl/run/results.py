"""A run's results as documents, and the exit-code policy of every kind of run.

One rule (soc2ctl.engine.plan.exit_code, docs/exit-codes.md): 130 interrupted, 1 error, 2 what
`--fail-on` names (changes, detect), else 0. Each kind of run only says what counts as an error, a change
and an open detect-only finding.
"""

from __future__ import annotations

from typing import Any

from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import CHANGING, Outcome, exit_code, plan_document, plan_outcome, task_json
from soc2ctl.run import saved_plan
from soc2ctl.run.builder import Run
from soc2ctl.run.frontend import RunRequest


def plan_doc(run: Run, results: dict[str, TaskResult], request: RunRequest) -> dict[str, Any]:
    """The plan document of a fresh run, with what a saved plan needs to re-create the run."""
    section = saved_plan.run_section(
        run, limit=request.limit, controls=request.controls, extra_vars=request.extra_vars
    )
    return plan_document(
        results, run_id=run.run_id, interrupted=run.executor.interrupted, run=section, **run.sources()
    )


def result_json(result: TaskResult) -> dict[str, Any]:
    calls = [c.to_json() for c in result.calls if c.is_write]
    return {**task_json(result), "status": result.status, "calls": calls}


def plan_exit_code(doc: dict[str, Any], interrupted: bool, fail_on: frozenset[str]) -> int:
    """plan, and an apply with nothing to apply: errors, changes pending, open detect-only findings."""
    return exit_code(plan_outcome(doc, interrupted=interrupted), fail_on)


def apply_exit_code(
    items: list[dict[str, Any]], interrupted: bool, doc: dict[str, Any], fail_on: frozenset[str] = frozenset()
) -> int:
    """An apply: every change was applied or failed (an error); detect-only findings stay open."""
    outcome = Outcome(
        interrupted=interrupted,
        errors=any(i["status"] in ("failed", "skipped") for i in items),
        changes=False,
        detect=bool(doc["summary"]["detect"]),
    )
    return exit_code(outcome, fail_on)


def drift_exit_code(doc: dict[str, Any], interrupted: bool, fail_on: frozenset[str] = frozenset()) -> int:
    """As `plan --detailed-exitcode`: 1 error (task errors, a limit exceeded, a failed notification), 2
    changes found out of state (fixed or not: the schedule's log must show it), detect-only findings only
    with `--fail-on detect`, else 0."""
    out = [t for t in doc["tasks"] if t["classification"] in ("drift", "never-compliant")]
    outcome = Outcome(
        interrupted=interrupted,
        errors=bool(doc["summary"]["errors"] or doc["blast_radius"]["breached"] or _notification_failed(doc)),
        changes=any(t["action"] in CHANGING for t in out),
        detect=any(t["action"] == "detect" for t in out),
    )
    return exit_code(outcome, {"changes", *fail_on})


def _notification_failed(doc: dict[str, Any]) -> bool:
    sent = doc.get("notifications", {})
    results = [sent.get("securityhub") or {}, *(sent.get("sns") or [])]
    return any(r.get("error") or r.get("failed") for r in results)
