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
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from soc2ctl import __version__
from soc2ctl.aws import log_redaction
from soc2ctl.cli import evidence as cli_evidence
from soc2ctl.cli.drift import drift_command
from soc2ctl.cli.evidence import EvidenceOpt, RetentionOpt
from soc2ctl.cli.iam import iam_policy_command
from soc2ctl.cli.lazy import lazy
from soc2ctl.cli.sandbox import sandbox_app
from soc2ctl.errors import ProblemList, UserError

if TYPE_CHECKING:
    from soc2ctl.engine.executor import TaskResult
    from soc2ctl.run.builder import Run

# Imported when a command uses them (soc2ctl.cli.lazy): --help, --version and controls start fast.
Console = lazy("rich.console", "Console")
escape = lazy("rich.markup", "escape")
resources = lazy("soc2ctl.config.shipped")
read_inventory_file = lazy("soc2ctl.config.inventory", "read_inventory_file")
resolve_inventory = lazy("soc2ctl.config.inventory", "resolve_inventory")
check_parameters = lazy("soc2ctl.config.playbook", "check_parameters")
load_playbook = lazy("soc2ctl.config.playbook", "load_playbook")
check_exceptions = lazy("soc2ctl.config.risk_exceptions", "check_exceptions")
catalog = lazy("soc2ctl.engine.catalog")
registry = lazy("soc2ctl.engine.registry")
has_changes = lazy("soc2ctl.engine.plan", "has_changes")
has_errors = lazy("soc2ctl.engine.plan", "has_errors")
new_run_id = lazy("soc2ctl.engine.plan", "new_run_id")
plan_document = lazy("soc2ctl.engine.plan", "plan_document")
task_json = lazy("soc2ctl.engine.plan", "task_json")
Outcome = lazy("soc2ctl.engine.plan", "Outcome")
check_fail_on = lazy("soc2ctl.engine.plan", "check_fail_on")
exit_code = lazy("soc2ctl.engine.plan", "exit_code")
plan_outcome = lazy("soc2ctl.engine.plan", "plan_outcome")
render_markdown = lazy("soc2ctl.render.markdown", "render_markdown")
TerminalProgress = lazy("soc2ctl.render.progress", "TerminalProgress")
render_approval = lazy("soc2ctl.render.text", "render_approval")
render_plan = lazy("soc2ctl.render.text", "render_plan")
render_recap = lazy("soc2ctl.render.text", "render_recap")
saved_plan = lazy("soc2ctl.run.saved_plan")
load_inventory = lazy("soc2ctl.run.builder", "load_inventory")
prepare_run = lazy("soc2ctl.run.builder", "prepare_run")
run_lock = lazy("soc2ctl.run.lock", "run_lock")
loads_json = lazy("soc2ctl.config.safe_input", "loads_json")
variable_sets = lazy("soc2ctl.run.validation", "variable_sets")

MAX_EXTRA_VAR_CHARS = 1_000_000
MARKDOWN_MAX_CHARS = 65_000  # soc2ctl.render.markdown.MAX_CHARS (a parameter default cannot be lazy)

F = TypeVar("F", bound=Callable[..., Any])

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
                console.print(f"[red]error:[/red] {escape(str(problem))}", markup=True, highlight=False)
            raise typer.Exit(1) from None
        except (MemoryError, RecursionError) as exc:
            Ui.err().print(
                f"error: input too large to process ({type(exc).__name__}); see the limits in docs/"
            )
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
    log_redaction.install()  # no credential in any log line, at any verbosity
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
CompactOpt = Annotated[
    bool,
    typer.Option("--compact", help="Text: shorten long values to one line (JSON always has them whole)."),
]
MaxCharsOpt = Annotated[
    int,
    typer.Option("--max-chars", min=2000, help="Markdown: size limit (a GitHub comment holds 65,536)."),
]
FailOnOpt = Annotated[
    list[str] | None,
    typer.Option("--fail-on", help="Exit 2 also for: changes, detect (open detect-only findings)."),
]
ApprovalOpt = Annotated[
    str | None, typer.Option("--approval-ref", help="Change ticket that approved this apply; recorded.")
]


def parse_extra_vars(items: list[str] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in items or []:
        if len(item) > MAX_EXTRA_VAR_CHARS:
            raise UserError(f"--extra-vars: longer than {MAX_EXTRA_VAR_CHARS} characters")
        if item.lstrip().startswith("{"):
            try:
                merged.update(loads_json(item, "--extra-vars"))
            except ValueError as exc:
                raise UserError(f"--extra-vars: invalid JSON: {exc}") from None
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"--extra-vars {item!r}: expected key=value or a JSON object")
        try:
            merged[key] = loads_json(value, "--extra-vars")
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


def emit_plan(
    doc: dict[str, Any],
    fmt: str,
    *,
    header: bool = False,
    compact: bool = False,
    max_chars: int = MARKDOWN_MAX_CHARS,
    source: Path | None = None,
) -> None:
    if fmt == "json":
        typer.echo(json.dumps(doc, indent=2, default=str))
    elif fmt == "markdown":
        pointer = {"pointer": f"the saved plan (`soc2ctl show {source.name}`)"} if source else {}
        typer.echo(render_markdown(doc, max_chars=max_chars, **pointer), nl=False)
    else:
        render_plan(doc, Ui.out(), header=header, compact=compact)


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
    profile: ProfileOpt = None,
) -> None:
    """Check a playbook without writing to AWS: schema, modules, parameters, cycles, variables.

    Example: soc2ctl validate playbooks/soc2-baseline.yml -i inventories/example-static.yml
    """
    path = resources.resolve(playbook, "playbooks")
    pb = load_playbook(path)
    problems = ProblemList()
    extra = parse_extra_vars(extra_vars)
    sets = [("", {**pb.spec.vars, **extra})]
    if inventory is not None:
        found = variable_sets(pb, resources.resolve(inventory, "inventories"), extra, profile)
        sets = found.sets
        for note in found.notes:
            Ui.err().print(f"note: {escape(note)}")
    check_parameters(pb, problems, sets)
    check_exceptions(pb, problems)
    problems.raise_if_any()
    Ui.out().print(f"[green]ok[/green] {escape(str(path))}: {len(pb.spec.controls)} controls valid")


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
            f"[bold]{escape(a.name)}[/bold] {a.id}  ou={escape(a.ou_path or '-')}  "
            f"groups={escape(','.join(a.groups) or '-')}  regions={escape(','.join(a.regions))}"
        )
        if a.tags:
            out.print(f"    tags: {escape(json.dumps(a.tags, sort_keys=True))}")
        if a.vars:
            out.print(f"    vars: {escape(json.dumps(a.vars, sort_keys=True, default=str))}")
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
        bool,
        typer.Option("--detailed-exitcode", help="0 no changes, 1 error, 2 changes (docs/exit-codes.md)."),
    ] = False,
    fail_on: FailOnOpt = None,
    compact: CompactOpt = False,
    max_chars: MaxCharsOpt = MARKDOWN_MAX_CHARS,
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
    failing = check_fail_on(fail_on or []) | ({"changes"} if detailed_exitcode else set())
    cli_evidence.configure(evidence, evidence_retention_days)
    run = build_run(playbook, inventory, limit, controls, profile, parallelism, extra_vars)
    cli_evidence.start(run, "plan")
    results = run.executor.plan()
    doc = _plan_doc(run, results, limit=limit, controls=controls, extra_vars=extra_vars)
    if out:
        saved_plan.save(doc, out)
    emit_plan(doc, fmt, compact=compact, max_chars=max_chars, source=out)
    cli_evidence.finish(run, doc)
    raise typer.Exit(exit_code(plan_outcome(doc, interrupted=run.executor.interrupted), failing))


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
    fail_on: FailOnOpt = None,
) -> None:
    """Plan, ask, then apply the changes in dependency order and verify each by reading it back.
    Given a saved plan instead, re-read every task and apply only if nothing moved since (no prompt).

    Example: soc2ctl apply playbooks/soc2-baseline.yml -i inventories/sandbox.yml --auto-approve
    Example: soc2ctl apply plan.json --approval-ref CHG-1234
    """
    _check_format(fmt, ("text", "json"))
    ApplyExit.fail_on = check_fail_on(fail_on or [])
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


class ApplyExit:
    """`apply --fail-on`, read where the exit code is decided (deep in the apply path)."""

    fail_on: frozenset[str] = frozenset()


def _apply_lock(run: Run, spec: str, timeout: float) -> AbstractContextManager[None]:
    """One writing run at a time per organization, held from the plan (or the re-read of a saved plan) to
    the end, so what was reviewed is what gets applied (see soc2ctl.run.lock)."""
    return run_lock(run, spec, timeout)


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
    outcome = Outcome(
        interrupted=run.executor.interrupted,
        errors=any(i["status"] in ("failed", "skipped") for i in items),
        changes=False,  # every change was applied, or failed (an error)
        detect=bool(doc["summary"]["detect"]),
    )
    raise typer.Exit(exit_code(outcome, ApplyExit.fail_on))


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
    compact: CompactOpt = False,
    max_chars: MaxCharsOpt = MARKDOWN_MAX_CHARS,
) -> None:
    """Render a saved plan, current or stale (it is not re-read; apply does that).

    Example: soc2ctl show plan.json --format markdown > plan.md
    """
    _check_format(fmt, PLAN_FORMATS)
    doc = saved_plan.load(planfile)
    if saved_plan.tampered(doc):
        Ui.err().print(
            f"warning: {escape(str(planfile))} was modified after it was made (plan_sha256 differs)"
        )
    try:
        emit_plan(doc, fmt, header=True, compact=compact, max_chars=max_chars, source=planfile)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:  # a hand-made file
        raise UserError(f"{planfile}: not a well-formed soc2ctl plan ({type(exc).__name__}: {exc})") from None


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
        "risk": m.risk,
        "read_actions": list(m.read_actions),
        "write_actions": list(m.write_actions),
        "parameters": m.Params.model_json_schema(),
    }


app.command("iam-policy")(iam_policy_command)
app.command("drift")(user_errors(drift_command))


def main() -> None:
    typer.BadParameter.__base__.exit_code = 1  # UsageError: 2 would read as changes pending
    app()


if __name__ == "__main__":
    # `python -m soc2ctl.cli.main`: run the importable module, not this `__main__` copy, so that the command
    # modules that import soc2ctl.cli.main (Ui, user_errors) see the options this run parsed.
    from soc2ctl.cli.main import main as _main

    _main()
