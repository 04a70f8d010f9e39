"""One apply, end to end: a fresh run (plan, ask, apply) or a saved plan (check, re-read, apply).

Both hold the organization's apply lock from the first read to the end, so what was reviewed is what is
applied; both open the run's evidence only once the apply is approved, and seal it after the result is
shown. Every refusal raises before the first write (soc2ctl.run.saved_plan; a share: soc2ctl.run.share).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import has_changes
from soc2ctl.errors import UserError
from soc2ctl.run import merge, plan_binding, saved_plan, shard, share
from soc2ctl.run.builder import Run, build
from soc2ctl.run.evidence import RunEvidence
from soc2ctl.run.frontend import Frontend, RunReport, RunRequest
from soc2ctl.run.lock import run_lock
from soc2ctl.run.results import apply_exit_code, plan_doc, plan_exit_code, result_json


@dataclass(frozen=True)
class ApplyOptions:
    auto_approve: bool = False
    approval_ref: str | None = None
    lock: str = "local"
    lock_timeout: float = 0
    plan_sha256: str | None = None  # a saved plan: the hash the reviewer approved
    shard: str | None = None  # a saved plan: apply only this share
    fail_on: frozenset[str] = frozenset()


def apply(request: RunRequest, frontend: Frontend, opts: ApplyOptions) -> int:
    """Returns the exit code."""
    share_of = shard.parse_shard(opts.shard)
    evidence = RunEvidence(request.evidence, frontend.note)
    if saved_plan.is_plan_file(request.playbook):
        if request.inventory or request.limit or request.controls:
            raise UserError("a saved plan carries its inventory, --limit and --controls; give only the file")
        return _apply_saved(request, frontend, opts, evidence, share_of)
    if opts.plan_sha256:
        raise UserError("--plan-sha256 binds a saved plan: apply PLAN.json --plan-sha256 HASH")
    if share_of:
        raise UserError(
            "--shard applies a share of a saved plan: plan --out PLAN first, then apply PLAN --shard"
        )
    if request.inventory is None:
        raise UserError("apply PLAYBOOK needs --inventory/-i (a plan saved with plan --out needs none)")
    run = build(request, frontend)
    with run_lock(run, opts.lock, opts.lock_timeout):
        return _plan_approve_apply(run, request, frontend, opts, evidence)


def _plan_approve_apply(
    run: Run, request: RunRequest, frontend: Frontend, opts: ApplyOptions, evidence: RunEvidence
) -> int:
    planned = run.executor.plan()
    doc = plan_doc(run, planned, request)
    frontend.planned(doc)
    if not has_changes(doc):
        evidence.record(run, "apply", doc, planned.values(), stopped="nothing to apply")
        frontend.report(RunReport("apply", run.run_id, doc, results=[], stopped="nothing to apply"))
        return plan_exit_code(doc, False, opts.fail_on)
    if not opts.auto_approve and not frontend.approve():
        frontend.note("Apply cancelled; nothing was changed.")
        return 1
    approval = saved_plan.approval_record(run, doc["plan_sha256"], opts.approval_ref)
    evidence.start(run, "apply", doc, approval)
    # Every task is held to what the reviewer saw: one that was in state at plan time and drifted before
    # the confirmation is refused as stale, not changed unreviewed.
    expected = {key: r.fingerprint for key, r in planned.items() if r.fingerprint is not None}
    results = run.executor.apply(expected)
    return _report(run, doc, results, approval, frontend, evidence, opts.fail_on)


def _apply_saved(
    request: RunRequest, frontend: Frontend, opts: ApplyOptions, evidence: RunEvidence, share_of: Any
) -> int:
    """Phase 0: the file, its approval and signature, and its sources; phase 1: every task re-read and
    compared; phase 2: apply."""
    path = request.playbook
    doc = saved_plan.load(path)
    merge.refuse_part(doc, path)
    plan_binding.check_approved(doc, path, opts.plan_sha256)
    saved_plan.check_applicable(doc, path)
    run = saved_plan.prepare(
        doc, extra_vars=request.extra_vars, profile=request.profile, parallelism=request.parallelism
    )
    bound = plan_binding.authenticate(doc, path, run, request.evidence.sign_key, opts.plan_sha256)
    selection = shard.restrict(run, share_of) if share_of else None
    with run_lock(run, opts.lock, opts.lock_timeout, share_of):  # a share: `<org>-shard-I-of-N`
        if selection:
            share.ensure_current(doc, run, path, selection)
        else:
            saved_plan.ensure_current(doc, run, path)
        what = f"shard {selection.shard}: {len(run.tasks)}" if selection else f"{len(doc['tasks'])}"
        frontend.say(f"Plan {doc['plan_sha256']} is current: {what} task(s) re-read.")
        approval = saved_plan.approval_record(run, doc["plan_sha256"], opts.approval_ref, bound)
        evidence.start(run, "apply", doc, approval)
        results = (
            share.apply_current(doc, run, selection) if selection else saved_plan.apply_current(doc, run)
        )
        return _report(run, doc, results, approval, frontend, evidence, opts.fail_on)


def _report(
    run: Run,
    doc: dict[str, Any],
    results: dict[str, TaskResult],
    approval: dict[str, Any],
    frontend: Frontend,
    evidence: RunEvidence,
    fail_on: frozenset[str],
) -> int:
    """The result records to the front end, then the seal; exit 1 if any task failed or was skipped."""
    items = [result_json(r) for r in results.values()]
    frontend.report(RunReport("apply", run.run_id, doc, results=items, approval=approval))
    evidence.finish(run, doc.get("plan_sha256"))
    return apply_exit_code(items, run.executor.interrupted, doc, fail_on)
