"""The run service: one run of the playbook end to end, for any front end (the CLI is one).

`plan`, `apply` and `drift` each take a `RunRequest` (the inputs), a `Frontend` (how to show progress, ask
and report) and their own options, and return the exit code. Here, not in the front end: building the run
(soc2ctl.run.builder), the evidence lifecycle (soc2ctl.run.evidence), saved plans and their phases
(soc2ctl.run.apply), shards, the apply lock, approval, the result documents and the exit-code policy
(soc2ctl.run.results).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soc2ctl.run import shard, workers
from soc2ctl.run.builder import build
from soc2ctl.run.evidence import EvidenceSettings, RunEvidence
from soc2ctl.run.frontend import Frontend, RunReport, RunRequest
from soc2ctl.run.quiet_gc import quiet_gc
from soc2ctl.run.results import drift_exit_code, plan_doc, plan_exit_code

if TYPE_CHECKING:
    from soc2ctl.drift import DriftOptions
    from soc2ctl.run.apply import ApplyOptions

__all__ = [
    "ApplyOptions",
    "DriftOptions",
    "EvidenceSettings",
    "Frontend",
    "PlanOptions",
    "RunReport",
    "RunRequest",
    "apply",
    "build",
    "drift",
    "plan",
]


def __getattr__(name: str) -> Any:
    """`ApplyOptions` and `DriftOptions`, imported when a command first asks for them: `soc2ctl plan`
    never loads apply's saved-plan checks (signing, cryptography) or drift (history, findings,
    notifications), ~20 ms of every plan's start-up."""
    if name == "ApplyOptions":
        from soc2ctl.run.apply import ApplyOptions

        return ApplyOptions
    if name == "DriftOptions":
        from soc2ctl.drift import DriftOptions

        return DriftOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class PlanOptions:
    out: Path | None = None  # save the plan here (a shard's part: `{shard}` in the name)
    shard: str | None = None
    workers: int | None = None
    fail_on: frozenset[str] = frozenset()


def plan(request: RunRequest, frontend: Frontend, opts: PlanOptions) -> int:
    """Read every target, build the plan document once, save (and sign) it, report it, seal the evidence."""
    with quiet_gc():  # from start-up to the seal (soc2ctl.run.quiet_gc)
        return _plan(request, frontend, opts)


def _plan(request: RunRequest, frontend: Frontend, opts: PlanOptions) -> int:
    share_of = shard.parse_shard(opts.shard)
    run = build(request, frontend)
    selection = shard.restrict(run, share_of) if share_of else None
    evidence = RunEvidence(request.evidence, frontend.note)
    evidence.start(run, "plan")
    results = workers.plan(run, opts.workers)
    if selection:
        results = shard.own_results(results, selection)
    doc = plan_doc(run, results, request)
    if selection:
        from soc2ctl.run import merge

        doc = merge.part_document(doc, shard.part_section(selection))
    out = shard.out_path(opts.out, share_of)
    if out:  # a saved plan: signed when there is a key (imported here: most plans are not saved)
        from soc2ctl.run import plan_binding, saved_plan

        if key := plan_binding.run_key(run, request.evidence.sign_key):
            plan_binding.sign(doc, plan_binding.signer(run, key))
        saved_plan.save(doc, out)
    frontend.report(RunReport("plan", run.run_id, doc, saved=out))
    evidence.finish(run, doc.get("plan_sha256"))
    return plan_exit_code(doc, run.executor.interrupted, opts.fail_on)


def apply(request: RunRequest, frontend: Frontend, opts: ApplyOptions) -> int:
    """Plan, ask, apply; or, given a saved plan, re-read every task and apply only if nothing moved since."""
    from soc2ctl.run.apply import apply as _apply

    return _apply(request, frontend, opts)


def drift(request: RunRequest, frontend: Frontend, opts: DriftOptions, lock: tuple[str, float]) -> int:
    """Find drift since the last recorded run, fix what may be fixed within the limits, notify, seal.
    `--remediate` writes, so it takes the organization's apply lock like apply does."""
    from soc2ctl import drift as drift_runs
    from soc2ctl.run.lock import run_lock

    run = build(request, frontend)
    with run_lock(run, *lock) if opts.remediate else contextlib.nullcontext():
        topics = drift_runs.check_options(opts)
        evidence = RunEvidence(request.evidence, frontend.note)
        writer = evidence.start(run, "drift", observe=False)
        doc = drift_runs.run_drift(run, writer, opts, topics)
        doc["evidence"] = evidence.finish(run)
    code = drift_exit_code(doc, run.executor.interrupted, opts.fail_on)
    frontend.report(RunReport("drift", run.run_id, doc))
    return code
