"""`soc2ctl sandbox ...`: the built-in sandbox organization (a local moto server).

The sandbox package is imported when a command runs: it loads moto, which the other commands never need.
"""

from __future__ import annotations

import json

import typer

from soc2ctl.cli.common import Ui, user_errors

sandbox_app = typer.Typer(
    help="The built-in sandbox organization (a local moto server).\n\nExample: soc2ctl sandbox up",
    no_args_is_help=True,
)


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
