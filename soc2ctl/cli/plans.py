"""`soc2ctl show` and `soc2ctl merge`: saved plans, rendered or combined."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from soc2ctl.cli.common import (
    MARKDOWN_MAX_CHARS,
    PLAN_FORMATS,
    CompactOpt,
    MaxCharsOpt,
    PlanFormatOpt,
    Ui,
    check_format,
    emit_plan,
    user_errors,
)
from soc2ctl.cli.lazy import lazy
from soc2ctl.errors import UserError

if TYPE_CHECKING:
    pass

# Imported when a command uses them (soc2ctl.cli.lazy): --help, --version and controls start fast.
escape = lazy("rich.markup", "escape")
saved_plan = lazy("soc2ctl.run.saved_plan")
SignKeyOpt = Annotated[
    str | None,
    typer.Option("--sign-key", help="KMS asymmetric key: sign the saved plan / require plans signed by it."),
]
PlanHashOpt = Annotated[
    str | None, typer.Option("--plan-sha256", help="The approved plan's hash: refuse any other plan.")
]
plan_merge = lazy("soc2ctl.run.merge")


@user_errors
def merge_cmd(
    parts: Annotated[list[Path], typer.Argument(help="The parts saved by plan --shard I/N --out, all N.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the merged plan.")],
    fmt: PlanFormatOpt = "text",
) -> None:
    """Join the saved shards of one plan into the plan one unsharded run would have made.

    Example: soc2ctl merge part-0.json part-1.json part-2.json --out plan.json
    """
    check_format(fmt, PLAN_FORMATS)
    doc = plan_merge.merge(parts)
    saved_plan.save(doc, out)
    emit_plan(doc, fmt, header=True)


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
    check_format(fmt, PLAN_FORMATS)
    doc = saved_plan.load(planfile)
    if saved_plan.tampered(doc):
        Ui.err().print(
            f"warning: {escape(str(planfile))} was modified after it was made (plan_sha256 differs)"
        )
    try:
        emit_plan(doc, fmt, header=True, compact=compact, max_chars=max_chars, source=planfile)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:  # a hand-made file
        raise UserError(f"{planfile}: not a well-formed soc2ctl plan ({type(exc).__name__}: {exc})") from None
