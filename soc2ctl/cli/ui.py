"""The CLI's state and its one error boundary.

`Ui` (the global `--no-color`/`--quiet`) lives in the typer context (`ctx.obj`), set by the root callback
and read by every command through `ui(ctx)`: there is no module-level mutable state, so two invocations in
one process (tests, a notebook) cannot see each other's options.

`ErrorBoundary` is the root command group: every UserError raised anywhere below it (option parsing,
commands, the run service) becomes one `error:` line per problem on stderr and exit 1, never a traceback.
Messages are escaped, so a `[` in user input is printed as typed, never read as rich markup.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from soc2ctl import runlog
from soc2ctl.errors import UserError
from soc2ctl.evidence.sinks import SinkError

# The UsageError of the click that typer parses with (recent typer vendors its own copy of click).
USAGE_ERROR: type[Exception] = typer.BadParameter.__base__  # type: ignore[assignment]

if TYPE_CHECKING:
    from rich.console import Console

# What rich drops from any text it prints (bell, backspace, vertical tab, form feed, carriage return): a
# note written without rich drops them too, so a hostile name cannot rewrite the line it is printed on.
_CONTROL_CODES = dict.fromkeys((7, 8, 11, 12, 13))


@dataclass
class Ui:
    no_color: bool = False
    quiet: bool = False

    def out(self) -> Console:
        from rich.console import Console

        return Console(quiet=self.quiet, **self._style())

    def err(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, **self._style())

    def _style(self) -> dict[str, Any]:
        """--no-color means no escape codes at all: rich's no_color alone still prints bold."""
        colors = {"no_color": True, "color_system": None} if self.no_color else {}
        return {**colors, "highlight": False, "soft_wrap": True}

    def say(self, text: str) -> None:
        """A human line on stdout, printed as given (no markup)."""
        self.out().print(text, markup=False)

    def note(self, text: str) -> None:
        """A line on stderr (notes, the evidence seal), printed as given (no markup). Not on a terminal
        (a pipeline, a log file, `--log-format json`) it is written as is: there is nothing to colour or
        wrap, and loading rich for it was ~10 ms of every `plan --format json`."""
        stream = sys.stderr
        if stream.isatty():
            self.err().print(text, markup=False)
        else:
            stream.write(text.translate(_CONTROL_CODES) + "\n")
            stream.flush()


def ui(ctx: typer.Context) -> Ui:
    """The invocation's Ui (the defaults when a sub-app runs without the root callback)."""
    return ctx.ensure_object(Ui)


class ErrorBoundary(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            _errors(ctx, [str(p) for p in exc.problems])
        except SinkError as exc:  # an unreadable evidence store
            _errors(ctx, [str(exc)])
        except (MemoryError, RecursionError) as exc:
            ui(ctx).note(f"error: input too large to process ({type(exc).__name__}); see the limits in docs/")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            ui(ctx).note("interrupted")
            raise typer.Exit(130) from None
        except USAGE_ERROR as exc:
            if not runlog.json_active():
                raise  # click's usage box, for a human at a terminal
            # a log pipeline reads one error record, not a box drawn over five lines
            where = exc.ctx.command_path if exc.ctx else "soc2ctl"
            _errors(ctx, [f"{exc.format_message()} (see '{where} --help')"])


def _errors(ctx: Any, problems: list[str]) -> None:
    from rich.markup import escape

    console = ui(ctx).err()
    for problem in problems:
        console.print(f"[red]error:[/red] {escape(problem)}", markup=True, highlight=False)
    raise typer.Exit(1) from None
