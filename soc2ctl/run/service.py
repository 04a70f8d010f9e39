"""The run service: what every command that runs the playbook shares, below the CLI.

`prepare_run` (builder.py) makes the run; this module turns its results into the plan document (with what a
saved plan needs to re-create the run), the per-task result records and the exit-code
policy. The CLI only parses options, prompts and prints.
"""

from __future__ import annotations

from typing import Any

from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import plan_document, task_json
from soc2ctl.run import saved_plan
from soc2ctl.run.builder import Run

INTERRUPTED = 130


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


def apply_exit_code(items: list[dict[str, Any]], interrupted: bool) -> int:
    """130 interrupted; 1 if any task failed or was skipped; else 0."""
    if interrupted:
        return INTERRUPTED
    return 1 if any(i["status"] in ("failed", "skipped") for i in items) else 0
