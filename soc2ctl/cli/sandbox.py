"""`soc2ctl sandbox status|up|down|reset`: the built-in sandbox organization (the `sandbox` extra).

Thin: the work is in the soc2ctl-sandbox distribution, reached through `soc2ctl.sandbox`. Imports from
cli/main.py (error handling, output) happen at call time, because main.py imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from soc2ctl.cli.common import Ui, user_errors

sandbox_app = typer.Typer(
    help="The built-in sandbox organization (a local moto server; needs the `sandbox` extra).\n\n"
    "Example: soc2ctl sandbox up",
    no_args_is_help=True,
)

EXIT_NOT_RUNNING = 3
EXIT_IN_TRANSITION = 4  # starting, stopping, or alive but not answering


def _run(work: Callable[[], None]) -> None:
    from soc2ctl.sandbox import user_errors as sandbox_errors

    def guarded() -> None:
        with sandbox_errors():
            work()

    user_errors(guarded)()


def _say(text: str) -> None:
    Ui.out().print(text, markup=False)


def _running(state: dict[str, Any]) -> str:
    return (
        f"sandbox running at {state['endpoint']} (management account {state['management_account']}, "
        f"{len(state['accounts'])} member accounts, regions {', '.join(state['regions'])})"
    )


@sandbox_app.command("up")
def sandbox_up() -> None:
    """Start (and seed) the sandbox organization if it is not running; waits until it answers.

    Example: soc2ctl sandbox up
    """
    from soc2ctl.sandbox import sandbox

    _run(lambda: _say(_running(sandbox().up())))


@sandbox_app.command("down")
def sandbox_down() -> None:
    """Stop the sandbox and wait until its process is gone; its state is lost (the account ids are kept).

    Example: soc2ctl sandbox down
    """
    from soc2ctl.sandbox import sandbox

    _run(lambda: _say("sandbox stopped" if sandbox().down() else "sandbox was not running"))


@sandbox_app.command("status")
def sandbox_status() -> None:
    """Whether the sandbox runs, and where: JSON and exit 0 when it runs, exit 3 when it does not, exit 4
    while it starts or stops (or is alive but does not answer).

    Example: soc2ctl sandbox status
    """
    from soc2ctl.sandbox import sandbox

    def work() -> None:
        current = sandbox().status()
        if current.running:
            _say(json.dumps({"status": "running", **current.info}, indent=2))
            return
        _say(current.describe())
        raise typer.Exit(EXIT_NOT_RUNNING if current.state == "stopped" else EXIT_IN_TRANSITION)

    _run(work)


@sandbox_app.command("reset")
def sandbox_reset() -> None:
    """Stop the sandbox and start a freshly seeded one (same account ids).

    Example: soc2ctl sandbox reset
    """
    from soc2ctl.sandbox import sandbox

    _run(lambda: _say(_running(sandbox().reset())))
