"""The `soc2ctl` command line.

Exit codes are a contract, one rule for plan, apply and drift (soc2ctl.engine.plan.exit_code,
docs/exit-codes.md): 130 interrupted, 1 error, 2 what `--fail-on` names (changes, detect), else 0. Machine output (JSON) goes to stdout; progress, prompts and
errors go to stderr, so `soc2ctl plan --format json | jq` always works.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from soc2ctl import __version__, runlog
from soc2ctl.aws import log_redaction
from soc2ctl.cli import evidence as cli_evidence
from soc2ctl.cli.catalog import controls
from soc2ctl.cli.common import (
    MARKDOWN_MAX_CHARS,
    PLAN_FORMATS,
    ApprovalOpt,
    CompactOpt,
    ControlsOpt,
    ExtraVarsOpt,
    FailOnOpt,
    FormatOpt,
    InventoryOpt,
    LimitOpt,
    LockOpt,
    LockTimeoutOpt,
    MaxCharsOpt,
    ParallelOpt,
    PlanFormatOpt,
    PlaybookArg,
    ProfileOpt,
    ShardOpt,
    Ui,
    WorkersOpt,
    build_run,
    check_format,
    controls_list,
    emit_plan,
    parse_extra_vars,
    user_errors,
)
from soc2ctl.cli.drift import drift_command
from soc2ctl.cli.evidence import EvidenceOpt, PlanHashOpt, RetentionOpt, SignKeyOpt
from soc2ctl.cli.iam import iam_policy_command
from soc2ctl.cli.inventory import inventory_cmd
from soc2ctl.cli.lazy import lazy
from soc2ctl.cli.plans import merge_cmd, show
from soc2ctl.cli.sandbox import sandbox_app
from soc2ctl.cli.schema import schema_cmd
from soc2ctl.cli.validate import validate
from soc2ctl.errors import UserError

if TYPE_CHECKING:
    from soc2ctl.engine.executor import TaskResult
    from soc2ctl.run.builder import Run

# Imported when a command uses them (soc2ctl.cli.lazy): --help, --version and controls start fast.
has_changes = lazy("soc2ctl.engine.plan", "has_changes")
check_fail_on = lazy("soc2ctl.engine.plan", "check_fail_on")
exit_code = lazy("soc2ctl.engine.plan", "exit_code")
plan_outcome = lazy("soc2ctl.engine.plan", "plan_outcome")
render_approval = lazy("soc2ctl.render.text", "render_approval")
render_plan = lazy("soc2ctl.render.text", "render_plan")
render_recap = lazy("soc2ctl.render.text", "render_recap")
saved_plan = lazy("soc2ctl.run.saved_plan")
plan_binding = lazy("soc2ctl.run.plan_binding")
service = lazy("soc2ctl.run.service")
shard = lazy("soc2ctl.run.shard")
share = lazy("soc2ctl.run.share")
workers = lazy("soc2ctl.run.workers")
plan_merge = lazy("soc2ctl.run.merge")
run_lock = lazy("soc2ctl.run.lock", "run_lock")


app = typer.Typer(
    name="soc2ctl",
    help="Keep an AWS Organization in its SOC 2 control state: validate, plan, apply, with evidence.\n\n"
    "Example: soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(cli_evidence.evidence_app, name="evidence")
app.command("validate")(validate)
app.command("inventory")(inventory_cmd)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"soc2ctl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour, even on a terminal.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only; see the exit code.")] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Logs to stderr (-vv for AWS calls).")
    ] = 0,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            envvar="SOC2CTL_LOG_FORMAT",
            help="text, or json: every stderr line one JSON object with the run id (for log pipelines).",
        ),
    ] = "text",
) -> None:
    Ui.no_color, Ui.quiet = no_color, quiet
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    if log_format == "json":
        Ui.no_color = True
        runlog.install_json(level)
    elif log_format == "text":
        runlog.install_text(level)
    else:
        raise typer.BadParameter(f"{log_format!r}: text or json", param_hint="--log-format")
    log_redaction.install()  # no credential in any log line, at any verbosity
    if verbose < 2:
        logging.getLogger("botocore").setLevel(logging.WARNING)


# ---------------------------------------------------------------- commands


@app.command()
@user_errors
def plan(
    playbook: PlaybookArg,
    inventory: InventoryOpt,
    limit: LimitOpt = None,
    controls: ControlsOpt = None,
    fmt: PlanFormatOpt = "text",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Save the plan as JSON.")] = None,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="0 no changes, 1 error, 2 changes.")
    ] = False,
    fail_on: FailOnOpt = None,
    compact: CompactOpt = False,
    max_chars: MaxCharsOpt = MARKDOWN_MAX_CHARS,
    profile: ProfileOpt = None,
    parallelism: ParallelOpt = 16,
    extra_vars: ExtraVarsOpt = None,
    evidence: EvidenceOpt = cli_evidence.DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = cli_evidence.DEFAULT_RETENTION_DAYS,
    sign_key: SignKeyOpt = None,
    shard_spec: ShardOpt = None,
    worker_count: WorkersOpt = None,
) -> None:
    """Read every target and show what apply would change. Never writes to AWS.

    Example: soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml --limit prod
    Example: soc2ctl plan baseline.yml -i org.yml --shard 1/3 --out part-{shard}.json  (then: soc2ctl merge)
    """
    check_format(fmt, PLAN_FORMATS)
    failing = check_fail_on(fail_on or []) | ({"changes"} if detailed_exitcode else set())
    share_of = shard.parse_shard(shard_spec)
    cli_evidence.configure(evidence, evidence_retention_days, sign_key)
    run = build_run(playbook, inventory, limit, controls, profile, parallelism, extra_vars)
    selection = shard.restrict(run, share_of) if share_of else None
    cli_evidence.start(run, "plan")
    results = workers.plan(run, worker_count)
    if selection:
        results = shard.own_results(results, selection)
    doc = service.plan_doc(
        run, results, limit=limit, controls=controls_list(controls), extra_vars=parse_extra_vars(extra_vars)
    )
    if selection:
        doc = plan_merge.part_document(doc, shard.part_section(selection))
    out = shard.out_path(out, share_of)
    if out and (key := plan_binding.run_key(run, sign_key)):
        plan_binding.sign(doc, plan_binding.signer(run, key))
    if out:
        saved_plan.save(doc, out)
    emit_plan(doc, fmt, compact=compact, max_chars=max_chars, source=out)
    cli_evidence.finish(run, doc)
    raise typer.Exit(exit_code(plan_outcome(doc, interrupted=run.executor.interrupted), failing))


@app.command()
@user_errors
def apply(
    playbook: Annotated[
        list[Path],
        typer.Argument(
            help="Playbook YAML (or a shipped name; several run as one), or a plan saved with plan --out."
        ),
    ],
    inventory: Annotated[
        Path | None, typer.Option("--inventory", "-i", help="Inventory YAML; not with a saved plan.")
    ] = None,
    limit: LimitOpt = None,
    controls: ControlsOpt = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
    ] = False,
    fmt: FormatOpt = "text",
    profile: ProfileOpt = None,
    parallelism: ParallelOpt = 16,
    extra_vars: ExtraVarsOpt = None,
    approval_ref: ApprovalOpt = None,
    evidence: EvidenceOpt = cli_evidence.DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = cli_evidence.DEFAULT_RETENTION_DAYS,
    lock: LockOpt = "local",
    lock_timeout: LockTimeoutOpt = 0,
    sign_key: SignKeyOpt = None,
    plan_sha256: PlanHashOpt = None,
    shard_spec: ShardOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Plan, ask, then apply the changes in dependency order and verify each by reading it back.
    Given a saved plan instead, re-read every task and apply only if nothing moved since (no prompt).

    Example: soc2ctl apply playbooks/soc2-baseline.yml -i inventories/sandbox.yml --auto-approve
    Example: soc2ctl apply plan.json --approval-ref CHG-1234 --shard 2/3
    """
    check_format(fmt, ("text", "json"))
    ApplyExit.fail_on = check_fail_on(fail_on or [])
    share_of = shard.parse_shard(shard_spec)
    cli_evidence.configure(evidence, evidence_retention_days, sign_key)
    if any(saved_plan.is_plan_file(p) for p in playbook):
        if len(playbook) > 1:
            raise UserError("apply takes one saved plan, alone: apply PLAN.json")
        if inventory or limit or controls:
            raise UserError("a saved plan carries its inventory, --limit and --controls; give only the file")
        binding = (sign_key, plan_sha256)
        _apply_saved_plan(
            playbook[0],
            fmt,
            profile,
            parallelism,
            extra_vars,
            approval_ref,
            (lock, lock_timeout),
            binding,
            share_of,
        )
        return
    if plan_sha256:
        raise UserError("--plan-sha256 binds a saved plan: apply PLAN.json --plan-sha256 HASH")
    if share_of:
        raise UserError(
            "--shard applies a share of a saved plan: plan --out PLAN first, then apply PLAN --shard"
        )
    if inventory is None:
        raise UserError("apply PLAYBOOK needs --inventory/-i (a plan saved with plan --out needs none)")
    run = build_run(playbook, inventory, limit, controls, profile, parallelism, extra_vars)
    with run_lock(run, lock, lock_timeout):  # held from the plan to the end: what was reviewed is applied
        _plan_confirm_apply(run, fmt, auto_approve, approval_ref, limit, controls, extra_vars)


def _plan_confirm_apply(
    run: Run,
    fmt: str,
    auto_approve: bool,
    approval_ref: str | None,
    limit: str | None,
    controls: str | None,
    extra_vars: list[str] | None,
) -> None:
    planned = run.executor.plan()
    doc = service.plan_doc(
        run, planned, limit=limit, controls=controls_list(controls), extra_vars=parse_extra_vars(extra_vars)
    )
    if fmt == "text":
        render_plan(doc, Ui.out())
    if not has_changes(doc):
        cli_evidence.record(run, "apply", doc, planned, stopped="nothing to apply")
        if fmt == "text":
            Ui.out().print("Nothing to apply.")
        else:
            typer.echo(json.dumps({"run_id": run.run_id, "plan": doc, "results": []}, indent=2, default=str))
        raise typer.Exit(exit_code(plan_outcome(doc), ApplyExit.fail_on))
    if not auto_approve and not typer.confirm("Apply these changes?", err=True):
        Ui.err().print("Apply cancelled; nothing was changed.")
        raise typer.Exit(1)
    approval = saved_plan.approval_record(run, doc["plan_sha256"], approval_ref)
    cli_evidence.start(run, "apply", doc, approval)
    # Every task is held to what the reviewer saw: one that was in state at plan time and drifted before
    # the confirmation is refused as stale, not changed unreviewed.
    expected = {key: r.fingerprint for key, r in planned.items() if r.fingerprint is not None}
    results = run.executor.apply(expected)
    _report_apply(run, doc, results, approval, fmt)


def _apply_saved_plan(
    path: Path,
    fmt: str,
    profile: str | None,
    parallelism: int,
    extra_vars: list[str] | None,
    approval_ref: str | None,
    lock: tuple[str, float],
    binding: tuple[str | None, str | None] = (None, None),
    share_of: Any = None,
) -> None:
    """Phase 0: the file, its approval and signature, and its sources; phase 1: every task re-read and
    compared; phase 2: apply. Any refusal raises before the first write (see soc2ctl.run.saved_plan; a
    share: soc2ctl.run.share)."""
    doc = saved_plan.load(path)
    plan_merge.refuse_part(doc, path)
    plan_binding.check_approved(doc, path, binding[1])
    saved_plan.check_applicable(doc, path)
    run = saved_plan.prepare(
        doc, extra_vars=parse_extra_vars(extra_vars), profile=profile, parallelism=parallelism
    )
    bound = plan_binding.authenticate(doc, path, run, *binding)
    selection = shard.restrict(run, share_of) if share_of else None
    with run_lock(run, *lock):
        _apply_current_plan(path, doc, run, fmt, approval_ref, bound, selection)


def _apply_current_plan(
    path: Path,
    doc: dict[str, Any],
    run: Run,
    fmt: str,
    approval_ref: str | None,
    bound: dict[str, Any],
    selection: Any = None,
) -> None:
    if selection:
        share.ensure_current(doc, run, path, selection)
    else:
        saved_plan.ensure_current(doc, run, path)
    if fmt == "text":
        what = f"shard {selection.shard}: {len(run.tasks)}" if selection else f"{len(doc['tasks'])}"
        Ui.out().print(f"Plan {doc['plan_sha256']} is current: {what} task(s) re-read.")
    approval = saved_plan.approval_record(run, doc["plan_sha256"], approval_ref, bound)
    cli_evidence.start(run, "apply", doc, approval)
    apply_share = share.apply_current if selection else None
    results = apply_share(doc, run, selection) if apply_share else saved_plan.apply_current(doc, run)
    _report_apply(run, doc, results, approval, fmt)


class ApplyExit:
    """`apply --fail-on`, read where the exit code is decided (deep in the apply path)."""

    fail_on: frozenset[str] = frozenset()


def _report_apply(
    run: Run, doc: dict[str, Any], results: dict[str, TaskResult], approval: dict[str, Any], fmt: str
) -> None:
    """Results (JSON or recap), the approval record, and the exit code: 1 if any task failed or was skipped."""
    items = [service.result_json(r) for r in results.values()]
    if fmt == "json":
        out = {"run_id": run.run_id, "plan": doc, "results": items, "approval": approval}
        typer.echo(json.dumps(out, indent=2, default=str))
    else:
        render_recap(items, Ui.out())
        render_approval(approval, Ui.out())
    cli_evidence.finish(run, doc)
    if code := service.apply_exit_code(items, run.executor.interrupted, doc, ApplyExit.fail_on):
        raise typer.Exit(code)


app.command("iam-policy")(iam_policy_command)
app.command("drift")(user_errors(drift_command))
app.command("controls")(controls)
app.command("merge")(merge_cmd)
app.command("show")(show)
app.command("schema")(schema_cmd)


def main() -> None:
    typer.BadParameter.__base__.exit_code = 1  # UsageError: 2 would read as changes pending
    app()


if __name__ == "__main__":
    # `python -m soc2ctl.cli.main`: run the importable module, not this `__main__` copy, so that the options
    # this run parses land in the one soc2ctl.cli.common the command modules share.
    from soc2ctl.cli.main import main as _main

    _main()
