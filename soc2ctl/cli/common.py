"""What the commands share: the options (each defined once), extra-vars parsing, rendering a plan.

Commands import from here, never from each other, so the CLI package has no import cycle. The engine, rich
and boto3 are imported inside the functions that use them: `soc2ctl --help`, `--version` and `controls`
start fast (tests/test_startup.py), and the imports stay visible to the layer contracts.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from soc2ctl.cli.choices import FailOn, PlanFormat, TextOrJson, one_of
from soc2ctl.cli.ui import Ui
from soc2ctl.errors import UserError
from soc2ctl.evidence import DEFAULT_LOCATION, DEFAULT_RETENTION_DAYS

if TYPE_CHECKING:
    from soc2ctl.run.frontend import RunRequest

MAX_EXTRA_VAR_CHARS = 1_000_000

PlaybookArg = Annotated[
    list[Path], typer.Argument(help="Playbook YAML (or a shipped name); several run together, as one.")
]
OnePlaybookArg = Annotated[
    Path, typer.Argument(help="Playbook YAML (or a shipped name); the playbooks it imports count too.")
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
FormatOpt = Annotated[
    TextOrJson, typer.Option("--format", "-f", help="text or json.", parser=one_of(TextOrJson, "--format"))
]
PlanFormatOpt = Annotated[
    PlanFormat,
    typer.Option("--format", "-f", help="text, markdown or json.", parser=one_of(PlanFormat, "--format")),
]
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
        "--workers",
        min=1,
        max=256,
        help="Processes to read accounts with (default: one per 64 of -p, at most one per core).",
    ),
]
CompactOpt = Annotated[
    bool,
    typer.Option("--compact", help="Text: shorten long values to one line (JSON always has them whole)."),
]
MARKDOWN_MAX_CHARS = 65_000  # soc2ctl.render.markdown.MAX_CHARS (a parameter default must be importable fast)
MaxCharsOpt = Annotated[
    int,
    typer.Option("--max-chars", min=2000, help="Markdown: size limit (a GitHub comment holds 65,536)."),
]
FailOnOpt = Annotated[
    list[FailOn] | None,
    typer.Option(
        "--fail-on",
        help="Exit 2 also for: changes, detect (open detect-only findings).",
        parser=one_of(FailOn, "--fail-on"),
    ),
]
ApprovalOpt = Annotated[
    str | None, typer.Option("--approval-ref", help="Change ticket that approved this apply; recorded.")
]
EvidenceOpt = Annotated[
    str,
    typer.Option(
        "--evidence",
        envvar="SOC2CTL_EVIDENCE",
        help="Where the run's evidence goes: a directory, or s3://bucket/prefix (Object Lock required).",
    ),
]
RetentionOpt = Annotated[
    int,
    typer.Option(
        "--evidence-retention-days",
        min=1,
        help="S3 Object Lock COMPLIANCE retention of each evidence object.",
    ),
]
SignKeyOpt = Annotated[
    str | None,
    typer.Option("--sign-key", help="KMS asymmetric key: sign the saved plan / require plans signed by it."),
]
PlanHashOpt = Annotated[
    str | None, typer.Option("--plan-sha256", help="The approved plan's hash: refuse any other plan.")
]

__all__ = ["DEFAULT_LOCATION", "DEFAULT_RETENTION_DAYS"]


def parse_extra_vars(items: list[str] | None) -> dict[str, Any]:
    from soc2ctl.config.safe_input import loads_json

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


def run_request(
    playbook: Path | list[Path],
    inventory: Path | None,
    limit: str | None,
    controls: str | None,
    profile: str | None,
    parallelism: int,
    extra_vars: list[str] | None,
    evidence: tuple[str, int, str | None],
) -> RunRequest:
    """The run service's request from the options plan, apply and drift share."""
    from soc2ctl.run.service import EvidenceSettings, RunRequest

    first, *more = playbook if isinstance(playbook, list) else [playbook]
    return RunRequest(
        first,
        inventory,
        more_playbooks=more,
        limit=limit,
        controls=controls_list(controls),
        profile=profile,
        parallelism=parallelism,
        extra_vars=parse_extra_vars(extra_vars),
        evidence=EvidenceSettings(*evidence),
    )


def run_service() -> ModuleType:
    """soc2ctl.run.service, imported with the cyclic garbage collector paused.

    Why: the import brings in the engine, botocore, networkx and pydantic, ~700 modules whose objects all
    live until the process ends, so the ~180 collections the import would trigger find nothing to free:
    55 ms of its ~390 ms of CPU, at the start of every plan, apply and drift."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from soc2ctl.run import service
    finally:
        if was_enabled:
            gc.enable()
    return service


def emit_plan(
    ui: Ui,
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
        from soc2ctl.render.markdown import render_markdown

        pointer = {"pointer": f"the saved plan (`soc2ctl show {source.name}`)"} if source else {}
        typer.echo(render_markdown(doc, max_chars=max_chars, **pointer), nl=False)
    else:
        from soc2ctl.render.text import render_plan

        render_plan(doc, ui.out(), header=header, compact=compact)
