"""What every command shares: the consoles, the one error boundary, the options, building a run.

Commands import from here, never from each other, so the CLI package has no import cycle.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from soc2ctl.cli.lazy import lazy
from soc2ctl.errors import UserError

if TYPE_CHECKING:
    from soc2ctl.run.builder import Run

# Imported when a command uses them (soc2ctl.cli.lazy): --help, --version and controls start fast.
Console = lazy("rich.console", "Console")
escape = lazy("rich.markup", "escape")
resources = lazy("soc2ctl.config.shipped")
render_markdown = lazy("soc2ctl.render.markdown", "render_markdown")
TerminalProgress = lazy("soc2ctl.render.progress", "TerminalProgress")
render_plan = lazy("soc2ctl.render.text", "render_plan")
prepare_run = lazy("soc2ctl.run.builder", "prepare_run")
loads_json = lazy("soc2ctl.config.safe_input", "loads_json")

MAX_EXTRA_VAR_CHARS = 1_000_000

F = TypeVar("F", bound=Callable[..., Any])


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


PlaybookArg = Annotated[
    list[Path], typer.Argument(help="Playbook YAML (or a shipped name); several run together, as one.")
]
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
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        envvar="SOC2CTL_SHARD",
        help="I/N: only this share of the accounts (auto/N: index from AWS_BATCH_JOB_ARRAY_INDEX "
        "or JOB_COMPLETION_INDEX).",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", min=1, max=256, help="Processes to read accounts with (default: one per core)."
    ),
]
CompactOpt = Annotated[
    bool,
    typer.Option("--compact", help="Text: shorten long values to one line (JSON always has them whole)."),
]
MARKDOWN_MAX_CHARS = 65_000  # soc2ctl.render.markdown.MAX_CHARS (a parameter default cannot be lazy)
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
    playbook: Path | list[Path],
    inventory: Path,
    limit: str | None,
    controls: str | None,
    profile: str | None,
    parallelism: int,
    extra_vars: list[str] | None,
) -> Run:
    run = prepare_run(
        [resources.resolve(p, "playbooks") for p in (playbook if isinstance(playbook, list) else [playbook])],
        resources.resolve(inventory, "inventories"),
        profile=profile,
        limit=limit,
        controls=controls_list(controls),
        extra_vars=parse_extra_vars(extra_vars),
        parallelism=parallelism,
    )
    TerminalProgress.attach(run.executor, f"{len(run.tasks)} tasks", quiet=Ui.quiet)
    return run


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
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
