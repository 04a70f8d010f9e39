"""The run service: what every command that runs the playbook shares, below the CLI.

`prepare_run` (builder.py) makes the run; this module turns its results into the plan document (with what a
saved plan needs to re-create the run), the per-task result records and the exit-code
policy. The CLI only parses options, prompts and prints.
"""

from __future__ import annotations

from typing import Any

from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import Outcome, exit_code, plan_document, task_json
from soc2ctl.run import saved_plan
from soc2ctl.run.builder import Run


def plan_doc(
    run: Run,
    results: dict[str, TaskResult],
    *,
    limit: str | None,
    controls: list[str] | None,
    extra_vars: dict[str, Any],
) -> dict[str, Any]:
    """The plan document of a fresh run, with what a saved plan needs to re-create the run."""
    section = saved_plan.run_section(run, limit=limit, controls=controls, extra_vars=extra_vars)
    return plan_document(
        results, run_id=run.run_id, interrupted=run.executor.interrupted, run=section, **run.sources()
    )


def result_json(result: TaskResult) -> dict[str, Any]:
    doc = task_json(result)
    doc["status"] = result.status
    doc["calls"] = [c.to_json() for c in result.calls if c.is_write]
    return doc


def apply_exit_code(
    items: list[dict[str, Any]], interrupted: bool, doc: dict[str, Any], fail_on: frozenset[str] = frozenset()
) -> int:
    """The one exit-code rule (soc2ctl.engine.plan.exit_code, docs/exit-codes.md) for an apply: every change
    was applied or failed (an error); detect-only findings stay open."""
    outcome = Outcome(
        interrupted=interrupted,
        errors=any(i["status"] in ("failed", "skipped") for i in items),
        changes=False,
        detect=bool(doc["summary"]["detect"]),
    )
    return exit_code(outcome, fail_on)
