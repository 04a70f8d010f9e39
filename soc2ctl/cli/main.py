"""The `soc2ctl` command line.

Exit codes are a contract: 0 success (no changes with --detailed-exitcode), 1 error, 2 changes pending
(with --detailed-exitcode), 130 interrupted. Machine output (JSON) goes to stdout; progress, prompts and
errors go to stderr, so `soc2ctl plan --format json | jq` always works.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from soc2ctl import __version__
from soc2ctl.cli import evidence as cli_evidence
from soc2ctl.cli.drift import drift_command
from soc2ctl.cli.evidence import EvidenceOpt, RetentionOpt
from soc2ctl.cli.iam import iam_policy_command
from soc2ctl.config import shipped as resources
from soc2ctl.config.designated import designation_notes
from soc2ctl.config.inventory import read_inventory_file, resolve_inventory
from soc2ctl.config.playbook import check_parameters, load_playbook
from soc2ctl.config.risk_exceptions import check_exceptions
from soc2ctl.engine import catalog, registry
from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import has_changes, has_errors, new_run_id, plan_document, task_json
from soc2ctl.errors import ProblemList, UserError
from soc2ctl.render.markdown import render_markdown
from soc2ctl.render.progress import TerminalProgress
from soc2ctl.render.text import render_approval, render_plan, render_recap
from soc2ctl.run import saved_plan
from soc2ctl.run.builder import Run, load_inventory, prepare_run
from soc2ctl.run.lock import apply_lock, holder_info
from soc2ctl.sandbox import home as sandbox_home

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="soc2ctl",
    help="Keep an AWS Organization in its SOC 2 control state: validate, plan, apply, with evidence.\n\n"
    "Example: soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
sandbox_app = typer.Typer(
    help="The built-in sandbox organization (a local moto server).\n\nExample: soc2ctl sandbox up",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(cli_evidence.evidence_app, name="evidence")


class Ui:
    no_color: bool = False
    quiet: bool = False

    @classmethod
    def out(cls) -> Console:
        return Console(quiet=cls.quiet, **cls._style())

    @classmethod
    def err(cls) -> Console:
        return Console(stderr=True, **cls._style())

    @classmethod
    def _style(cls) -> dict[str, Any]:
        """--no-color means no escape codes at all: rich's no_color alone still prints bold."""
        colors = {"no_color": True, "color_system": None} if cls.no_color else {}
        return {**colors, "highlight": False, "soft_wrap": True}


def user_errors(fn: F) -> F:
    """Bad input is one clear line per problem and exit 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            console = Ui.err()
            for problem in exc.problems:
                console.print(f"[red]error:[/red] {problem}", markup=True, highlight=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            Ui.err().print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


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
) -> None:
    Ui.no_color, Ui.quiet = no_color, quiet
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        logging.getLogger("botocore").setLevel(logging.WARNING)


# ---------------------------------------------------------------- shared options

PlaybookArg = Annotated[Path, typer.Argument(help="Playbook YAML (or the name of a shipped one).")]
InventoryOpt = Annotated[Path, typer.Option("--inventory", "-i", help="Inventory YAML (or a shipped name).")]
LimitOpt = Annotated[str | None, typer.Option("--limit", "-l", help="Host pattern, e.g. 'prod:!legacy'.")]
ControlsOpt = Annotated[
    str | None, typer.Option("--controls", help="Only these control ids, comma-separated.")
]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile for the base credentials.")]
ParallelOpt = Annotated[int, typer.Option("--parallelism", "-p", min=1, max=256, help="Concurrent tasks.")]
ExtraVarsOpt = Annotated[
    list[str] | None, typer.Option("--extra-vars", "-e", help="key=value or JSON; highest precedence.")
]
LockOpt = Annotated[
    str, typer.Option("--lock", help="Apply lock: 'local' (this machine) or 'dynamodb:TABLE' (shared).")
]
LockTimeoutOpt = Annotated[
    float, typer.Option("--lock-timeout", min=0, help="Seconds to wait for another apply to finish.")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
PLAN_FORMATS = ("text", "markdown", "json")
PlanFormatOpt = Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")]
ApprovalOpt = Annotated[
    str | None, typer.Option("--approval-ref", help="Change ticket that approved this apply; recorded.")
]


def parse_extra_vars(items: list[str] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in items or []:
        if item.lstrip().startswith("{"):
            try:
                merged.update(json.loads(item))
            except ValueError as exc:
                raise UserError(f"--extra-vars: invalid JSON: {exc}") from None
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"--extra-vars {item!r}: expected key=value or a JSON object")
        try:
            merged[key] = json.loads(value)
        except ValueError:
            merged[key] = value
    return merged


def controls_list(controls: str | None) -> list[str] | None:
    return [c.strip() for c in controls.split(",") if c.strip()] if controls else None


def build_run(
    playbook: Path,
    inventory: Path,
    limit: str | None,
    controls: str | None,
    profile: str | None,
    parallelism: int,
    extra_vars: list[str] | None,
) -> Run:
    run = prepare_run(
        resources.resolve(playbook, "playbooks"),
        resources.resolve(inventory, "inventories"),
        profile=profile,
        limit=limit,
        controls=controls_list(controls),
        extra_vars=parse_extra_vars(extra_vars),
        parallelism=parallelism,
    )
    TerminalProgress.attach(run.executor, f"{len(run.tasks)} tasks", quiet=Ui.quiet)
    return run


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UserError(f"--format {fmt!r}: choose one of {', '.join(allowed)}")


def emit_plan(doc: dict[str, Any], fmt: str, *, header: bool = False) -> None:
    if fmt == "json":
        typer.echo(json.dumps(doc, indent=2, default=str))
    elif fmt == "markdown":
        typer.echo(render_markdown(doc), nl=False)
    else:
        render_plan(doc, Ui.out(), header=header)


def _plan_doc(
    run: Run,
    results: dict[str, TaskResult],
    *,
    limit: str | None,
    controls: str | None,
    extra_vars: list[str] | None,
) -> dict[str, Any]:
    """The plan document of a fresh run, with what a saved plan needs to re-create the run."""
    section = saved_plan.run_section(
        run, limit=limit, controls=controls_list(controls), extra_vars=parse_extra_vars(extra_vars)
    )
    return plan_document(
        results, run_id=run.run_id, interrupted=run.executor.interrupted, run=section, **run.sources()
    )


# ---------------------------------------------------------------- commands


@app.command()
@user_errors
def validate(
    playbook: PlaybookArg,
    inventory: Annotated[
        Path | None, typer.Option("--inventory", "-i", help="Also check variables per account.")
    ] = None,
    extra_vars: ExtraVarsOpt = None,
) -> None:
    """Check a playbook without touching AWS: schema, modules, parameters, cycles, variables.

    Example: soc2ctl validate playbooks/soc2-baseline.yml -i inventories/example-static.yml
    """
    path = resources.resolve(playbook, "playbooks")
    pb = load_playbook(path)
    problems = ProblemList()
    extra = parse_extra_vars(extra_vars)
    variable_sets = [("", {**pb.spec.vars, **extra})]
    if inventory is not None:
        inv_path = resources.resolve(inventory, "inventories")
        spec, raw = read_inventory_file(inv_path)
        if not spec.organization.discover and not spec.sandbox:
            inv = resolve_inventory(inv_path, spec, raw, None)
            variable_sets = [
                (f" for account {a.id} ({a.name})", {**pb.spec.vars, **a.vars, **extra}) for a in inv.accounts
            ] or variable_sets
        else:
            variable_sets = [(" with inventory vars", {**pb.spec.vars, **spec.vars, **extra})]
    check_parameters(pb, problems, variable_sets)
    check_exceptions(pb, problems)
    notes = designation_notes(inv_path, spec, raw, problems) if inventory is not None else []
    problems.raise_if_any()
    for note in notes:
        Ui.out().print(f"note: {note}", highlight=False)
    Ui.out().print(f"[green]ok[/green] {path}: {len(pb.spec.controls)} controls valid")


@app.command("inventory")
@user_errors
def inventory_cmd(
    inventory: InventoryOpt,
    limit: LimitOpt = None,
    fmt: FormatOpt = "text",
    profile: ProfileOpt = None,
) -> None:
    """List the accounts, OUs, groups, regions and variables an inventory resolves to.

    Example: soc2ctl inventory -i inventories/sandbox.yml --limit 'prod:!legacy'
    """
    _check_format(fmt, ("text", "json"))
    inv, _ = load_inventory(resources.resolve(inventory, "inventories"), run_id=new_run_id(), profile=profile)
    if limit and (bad := inv.unknown_pattern_terms(limit)):
        raise UserError(f"--limit {limit!r}: {', '.join(bad)} match(es) no account or group")
    accounts = inv.select(limit)
    if fmt == "json":
        doc = {
            "management_account_id": inv.management_account_id,
            "home_region": inv.home_region,
            "groups": sorted(inv.spec.groups),
            "accounts": [
                {
                    "id": a.id,
                    "name": a.name,
                    "ou_path": a.ou_path,
                    "tags": a.tags,
                    "groups": list(a.groups),
                    "regions": list(a.regions),
                    "vars": a.vars,
                    "is_management": a.is_management,
                }
                for a in accounts
            ],
        }
        typer.echo(json.dumps(doc, indent=2, default=str))
        return
    out = Ui.out()
    out.print(f"management account {inv.management_account_id}, home region {inv.home_region}")
    for a in accounts:
        out.print(
            f"[bold]{a.name}[/bold] {a.id}  ou={a.ou_path or '-'}  groups={','.join(a.groups) or '-'}"
            f"  regions={','.join(a.regions)}"
        )
        if a.tags:
            out.print(f"    tags: {json.dumps(a.tags, sort_keys=True)}")
        if a.vars:
            out.print(f"    vars: {json.dumps(a.vars, sort_keys=True, default=str)}")
    out.print(f"{len(accounts)} account(s)")


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
    profile: ProfileOpt = None,
    parallelism: ParallelOpt = 16,
    extra_vars: ExtraVarsOpt = None,
    evidence: EvidenceOpt = cli_evidence.DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = cli_evidence.DEFAULT_RETENTION_DAYS,
) -> None:
    """Read every target and show what apply would change. Never writes to AWS.

    Example: soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml --limit prod
    """
    _check_format(fmt, PLAN_FORMATS)
    cli_evidence.configure(evidence, evidence_retention_days)
    run = build_run(playbook, inventory, limit, controls, profile, parallelism, extra_vars)
    cli_evidence.start(run, "plan")
    results = run.executor.plan()
    doc = _plan_doc(run, results, limit=limit, controls=controls, extra_vars=extra_vars)
    if out:
        saved_plan.save(doc, out)
    emit_plan(doc, fmt)
    cli_evidence.finish(run, doc)
    if run.executor.interrupted:
        raise typer.Exit(130)
    if has_errors(doc):
        raise typer.Exit(1)
    if detailed_exitcode and has_changes(doc):
        raise typer.Exit(2)


@app.command()
@user_errors
def apply(
    playbook: Annotated[
        Path, typer.Argument(help="Playbook YAML (or a shipped name), or a plan saved with plan --out.")
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
) -> None:
    """Plan, ask, then apply the changes in dependency order and verify each by reading it back.
    Given a saved plan instead, re-read every task and apply only if nothing moved since (no prompt).

    Example: soc2ctl apply playbooks/soc2-baseline.yml -i inventories/sandbox.yml --auto-approve
    Example: soc2ctl apply plan.json --approval-ref CHG-1234
    """
    _check_format(fmt, ("text", "json"))
    cli_evidence.configure(evidence, evidence_retention_days)
    if saved_plan.is_plan_file(playbook):
        if inventory or limit or controls:
            raise UserError("a saved plan carries its inventory, --limit and --controls; give only the file")
        _apply_saved_plan(playbook, fmt, profile, parallelism, extra_vars, approval_ref, (lock, lock_timeout))
        return
    if inventory is None:
        raise UserError("apply PLAYBOOK needs --inventory/-i (a plan saved with plan --out needs none)")
    run = build_run(playbook, inventory, limit, controls, profile, parallelism, extra_vars)
    with _apply_lock(run, lock, lock_timeout):
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
    doc = _plan_doc(run, planned, limit=limit, controls=controls, extra_vars=extra_vars)
    if fmt == "text":
        render_plan(doc, Ui.out())
    if not has_changes(doc):
        cli_evidence.record(run, "apply", doc, planned, stopped="nothing to apply")
        if fmt == "text":
            Ui.out().print("Nothing to apply.")
        else:
            typer.echo(json.dumps({"run_id": run.run_id, "plan": doc, "results": []}, indent=2, default=str))
        raise typer.Exit(1 if has_errors(doc) else 0)
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
) -> None:
    """Phase 0: the file and its sources; phase 1: every task re-read and compared; phase 2: apply.
    Any refusal raises before the first write (see soc2ctl.run.saved_plan)."""
    doc = saved_plan.load(path)
    saved_plan.check_applicable(doc, path)
    run = saved_plan.prepare(
        doc, extra_vars=parse_extra_vars(extra_vars), profile=profile, parallelism=parallelism
    )
    with _apply_lock(run, *lock):
        _apply_current_plan(path, doc, run, fmt, approval_ref)


def _apply_current_plan(
    path: Path, doc: dict[str, Any], run: Run, fmt: str, approval_ref: str | None
) -> None:
    saved_plan.ensure_current(doc, run, path)
    if fmt == "text":
        Ui.out().print(f"Plan {doc['plan_sha256']} is current: {len(doc['tasks'])} task(s) re-read.")
    approval = saved_plan.approval_record(run, doc["plan_sha256"], approval_ref)
    cli_evidence.start(run, "apply", doc, approval)
    results = saved_plan.apply_current(doc, run)
    _report_apply(run, doc, results, approval, fmt)


def _apply_lock(run: Run, spec: str, timeout: float) -> AbstractContextManager[None]:
    """One apply at a time per organization (keyed by the management account), held from the plan
    (or the re-read of a saved plan) to the end, so what was reviewed is what gets applied."""
    dynamodb = None
    if spec.startswith("dynamodb:"):
        dynamodb = run.sessions.client(run.sessions.caller_account, run.inventory.home_region, "dynamodb")
    holder = holder_info(run.run_id, run.sessions.caller_identity()["Arn"])
    return apply_lock(
        spec,
        run.inventory.management_account_id,
        holder,
        timeout,
        dynamodb=dynamodb,
        directory=sandbox_home() / "locks",
    )


def _report_apply(
    run: Run, doc: dict[str, Any], results: dict[str, TaskResult], approval: dict[str, Any], fmt: str
) -> None:
    """Results (JSON or recap), the approval record, and the exit code: 1 if any task failed or was skipped."""
    items = [_result_json(r) for r in results.values()]
    if fmt == "json":
        out = {"run_id": run.run_id, "plan": doc, "results": items, "approval": approval}
        typer.echo(json.dumps(out, indent=2, default=str))
    else:
        render_recap(items, Ui.out())
        render_approval(approval, Ui.out())
    cli_evidence.finish(run, doc)
    if run.executor.interrupted:
        raise typer.Exit(130)
    if any(i["status"] in ("failed", "skipped") for i in items):
        raise typer.Exit(1)


def _result_json(result: TaskResult) -> dict[str, Any]:
    doc = task_json(result)
    doc["status"] = result.status
    doc["calls"] = [c.to_json() for c in result.calls if c.is_write]
    return doc


@app.command()
@user_errors
def show(
    planfile: Annotated[Path, typer.Argument(help="A plan saved with plan --out.")],
    fmt: PlanFormatOpt = "text",
) -> None:
    """Render a saved plan, current or stale (it is not re-read; apply does that).

    Example: soc2ctl show plan.json --format markdown > plan.md
    """
    _check_format(fmt, PLAN_FORMATS)
    doc = saved_plan.load(planfile)
    if saved_plan.tampered(doc):
        Ui.err().print(f"warning: {planfile} was modified after it was made (plan_sha256 differs)")
    emit_plan(doc, fmt, header=True)


@app.command()
@user_errors
def controls(fmt: FormatOpt = "text") -> None:
    """The catalog of remediation modules: scope, SOC 2 criteria, fix or detect, IAM actions.

    Example: soc2ctl controls --format json
    """
    _check_format(fmt, ("text", "json", "markdown"))
    modules = registry.registry()
    if fmt == "markdown":  # docs/controls.md
        typer.echo(catalog.markdown(modules.values()), nl=False)
        return
    if fmt == "json":
        typer.echo(json.dumps([_module_json(m) for m in modules.values()], indent=2))
        return
    out = Ui.out()
    for m in modules.values():
        kind = "detect" if m.detect_only else "fix"
        out.print(
            f"[bold]{m.name:<34}[/bold] {m.scope.value:<8} {kind:<7} {', '.join(m.criteria):<28} {m.summary()}"
        )


def _module_json(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "scope": m.scope.value,
        "criteria": list(m.criteria),
        "mode": "detect" if m.detect_only else "fix",
        "summary": m.summary(),
        "read_actions": list(m.read_actions),
        "write_actions": list(m.write_actions),
        "parameters": m.Params.model_json_schema(),
    }


app.command("iam-policy")(iam_policy_command)
app.command("drift")(user_errors(drift_command))


# ---------------------------------------------------------------- sandbox


@sandbox_app.command("up")
@user_errors
def sandbox_up() -> None:
    """Start (and seed) the sandbox organization if it is not running.

    Example: soc2ctl sandbox up
    """
    from soc2ctl import sandbox

    state = sandbox.up()
    Ui.out().print(
        f"sandbox running at {state['endpoint']} (management account {state['management_account']}, "
        f"{len(state['accounts'])} member accounts, regions {', '.join(state['regions'])})"
    )


@sandbox_app.command("down")
@user_errors
def sandbox_down() -> None:
    """Stop the sandbox; its state is lost.

    Example: soc2ctl sandbox down
    """
    from soc2ctl import sandbox

    Ui.out().print("sandbox stopped" if sandbox.down() else "sandbox was not running")


@sandbox_app.command("status")
@user_errors
def sandbox_status() -> None:
    """Whether the sandbox runs, and where (exit 3 when it does not).

    Example: soc2ctl sandbox status
    """
    from soc2ctl import sandbox

    state = sandbox.status()
    if not state:
        Ui.out().print("sandbox is not running (it starts on first use, or with: soc2ctl sandbox up)")
        raise typer.Exit(3)
    Ui.out().print(json.dumps(state, indent=2))


@sandbox_app.command("reset")
@user_errors
def sandbox_reset() -> None:
    """Stop the sandbox and start a freshly seeded one.

    Example: soc2ctl sandbox reset
    """
    from soc2ctl import sandbox

    sandbox.down()
    sandbox_up()


def main() -> None:
    typer.BadParameter.__base__.exit_code = 1  # UsageError: 2 would read as changes pending
    app()


if __name__ == "__main__":
    main()
