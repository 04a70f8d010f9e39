"""`soc2ctl plan`, `apply`, `show` and `merge`: thin callers of the run service (soc2ctl.run.service).

Each command turns its options into a `RunRequest` and the service's options, hands the service a terminal
`CliFrontend`, and exits with the code the service returns. Exit codes are one rule for plan, apply and
drift (soc2ctl.run.results, docs/exit-codes.md): 130 interrupted, 1 error, 2 what `--fail-on` names
(changes, detect), else 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soc2ctl.cli.choices import PlanFormat, TextOrJson
from soc2ctl.cli.common import (
    DEFAULT_LOCATION,
    DEFAULT_RETENTION_DAYS,
    MARKDOWN_MAX_CHARS,
    ApprovalOpt,
    CompactOpt,
    ControlsOpt,
    EvidenceOpt,
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
    PlanHashOpt,
    PlaybookArg,
    ProfileOpt,
    RetentionOpt,
    ShardOpt,
    SignKeyOpt,
    WorkersOpt,
    emit_plan,
    run_request,
    run_service,
)
from soc2ctl.cli.frontend import CliFrontend
from soc2ctl.cli.ui import ui
from soc2ctl.errors import UserError


def plan(
    ctx: typer.Context,
    playbook: PlaybookArg,
    inventory: InventoryOpt,
    limit: LimitOpt = None,
    controls: ControlsOpt = None,
    fmt: PlanFormatOpt = PlanFormat.text,
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
    evidence: EvidenceOpt = DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = DEFAULT_RETENTION_DAYS,
    sign_key: SignKeyOpt = None,
    shard_spec: ShardOpt = None,
    worker_count: WorkersOpt = None,
) -> None:
    """Read every target and show what apply would change. Never writes to AWS.

    Example: soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml --limit prod
    Example: soc2ctl plan baseline.yml -i org.yml --shard 1/3 --out part-{shard}.json  (then: soc2ctl merge)
    """
    service = run_service()

    failing = frozenset(f.value for f in fail_on or []) | ({"changes"} if detailed_exitcode else set())
    request = run_request(
        playbook,
        inventory,
        limit,
        controls,
        profile,
        parallelism,
        extra_vars,
        (evidence, evidence_retention_days, sign_key),
    )
    frontend = CliFrontend(ui(ctx), fmt, compact=compact, max_chars=max_chars)
    options = service.PlanOptions(out=out, shard=shard_spec, workers=worker_count, fail_on=failing)
    raise typer.Exit(service.plan(request, frontend, options))


def apply(
    ctx: typer.Context,
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
    fmt: FormatOpt = TextOrJson.text,
    profile: ProfileOpt = None,
    parallelism: ParallelOpt = 16,
    extra_vars: ExtraVarsOpt = None,
    approval_ref: ApprovalOpt = None,
    evidence: EvidenceOpt = DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = DEFAULT_RETENTION_DAYS,
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
    service = run_service()

    request = run_request(
        playbook,
        inventory,
        limit,
        controls,
        profile,
        parallelism,
        extra_vars,
        (evidence, evidence_retention_days, sign_key),
    )
    options = service.ApplyOptions(
        auto_approve=auto_approve,
        approval_ref=approval_ref,
        lock=lock,
        lock_timeout=lock_timeout,
        plan_sha256=plan_sha256,
        shard=shard_spec,
        fail_on=frozenset(f.value for f in fail_on or []),
    )
    raise typer.Exit(service.apply(request, CliFrontend(ui(ctx), fmt), options))


def merge(
    ctx: typer.Context,
    parts: Annotated[list[Path], typer.Argument(help="The parts saved by plan --shard I/N --out, all N.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the merged plan.")],
    fmt: PlanFormatOpt = PlanFormat.text,
) -> None:
    """Join the saved shards of one plan into the plan one unsharded run would have made.

    Example: soc2ctl merge part-0.json part-1.json part-2.json --out plan.json
    """
    from soc2ctl.run import merge as plan_merge
    from soc2ctl.run import saved_plan

    doc = plan_merge.merge(parts)
    saved_plan.save(doc, out)
    emit_plan(ui(ctx), doc, fmt, header=True)


def show(
    ctx: typer.Context,
    planfile: Annotated[Path, typer.Argument(help="A plan saved with plan --out.")],
    fmt: PlanFormatOpt = PlanFormat.text,
    compact: CompactOpt = False,
    max_chars: MaxCharsOpt = MARKDOWN_MAX_CHARS,
) -> None:
    """Render a saved plan, current or stale (it is not re-read; apply does that).

    Example: soc2ctl show plan.json --format markdown > plan.md
    """
    from soc2ctl.run import saved_plan

    doc = saved_plan.load(planfile)
    if saved_plan.tampered(doc):
        ui(ctx).note(f"warning: {planfile} was modified after it was made (plan_sha256 differs)")
    try:
        emit_plan(ui(ctx), doc, fmt, header=True, compact=compact, max_chars=max_chars, source=planfile)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:  # a hand-made file
        raise UserError(f"{planfile}: not a well-formed soc2ctl plan ({type(exc).__name__}: {exc})") from None
