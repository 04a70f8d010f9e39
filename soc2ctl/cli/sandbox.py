"""`soc2ctl sandbox status|up|down|reset`: the built-in sandbox organization (the `sandbox` extra).

Thin: the work is in the soc2ctl-sandbox distribution, reached through `soc2ctl.sandbox`, imported when a
command runs (the extra may not be installed).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from soc2ctl.cli.ui import ui

sandbox_app = typer.Typer(
    help="The built-in sandbox organization (a local moto server; needs the `sandbox` extra).\n\n"
    "Example: soc2ctl sandbox up",
    no_args_is_help=True,
)

EXIT_NOT_RUNNING = 3
EXIT_IN_TRANSITION = 4  # starting, stopping, or alive but not answering


def _run(work: Callable[[], None]) -> None:
    """A sandbox failure is a UserError: one line at the error boundary."""
    from soc2ctl.sandbox import user_errors as sandbox_errors

    with sandbox_errors():
        work()


def _running(state: dict[str, Any]) -> str:
    return (
        f"sandbox running at {state['endpoint']} (management account {state['management_account']}, "
        f"{len(state['accounts'])} member accounts, regions {', '.join(state['regions'])})"
    )


@sandbox_app.command("up")
def sandbox_up(ctx: typer.Context) -> None:
    """Start (and seed) the sandbox organization if it is not running; waits until it answers.

    Example: soc2ctl sandbox up
    """
    from soc2ctl.sandbox import sandbox

    _run(lambda: ui(ctx).say(_running(sandbox().up())))


@sandbox_app.command("down")
def sandbox_down(ctx: typer.Context) -> None:
    """Stop the sandbox and wait until its process is gone; its state is lost (the account ids are kept).

    Example: soc2ctl sandbox down
    """
    from soc2ctl.sandbox import sandbox

    _run(lambda: ui(ctx).say("sandbox stopped" if sandbox().down() else "sandbox was not running"))


@sandbox_app.command("status")
def sandbox_status(ctx: typer.Context) -> None:
    """Whether the sandbox runs, and where: JSON and exit 0 when it runs, exit 3 when it does not, exit 4
    while it starts or stops (or is alive but does not answer).

    Example: soc2ctl sandbox status
    """
    from soc2ctl.sandbox import sandbox

    def work() -> None:
        current = sandbox().status()
        if current.running:
            ui(ctx).say(json.dumps({"status": "running", **current.info}, indent=2))
            return
        ui(ctx).say(current.describe())
        raise typer.Exit(EXIT_NOT_RUNNING if current.state == "stopped" else EXIT_IN_TRANSITION)

    _run(work)


@sandbox_app.command("reset")
def sandbox_reset(ctx: typer.Context) -> None:
    """Stop the sandbox and start a freshly seeded one (same account ids).

    Example: soc2ctl sandbox reset
    """
    from soc2ctl.sandbox import sandbox

    _run(lambda: ui(ctx).say(_running(sandbox().reset())))
