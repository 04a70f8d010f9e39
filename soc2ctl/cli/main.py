"""The `soc2ctl` command line: the app, its global options, and one line per command group.

Each command lives in its own module (plans, drift, evidence, iam, catalog, inventory, validate, sandbox)
and imports only soc2ctl.cli.common, .choices, .ui and .frontend, never another command module: the CLI
package has no import cycle. The root group is the one error boundary (soc2ctl.cli.ui.ErrorBoundary).
Machine output (JSON) goes to stdout; progress, prompts and errors go to stderr.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from soc2ctl import __version__, runlog
from soc2ctl.aws import log_redaction
from soc2ctl.cli import catalog, drift, evidence, iam, inventory, plans, sandbox, schema, validate
from soc2ctl.cli.choices import LogFormat, one_of
from soc2ctl.cli.ui import USAGE_ERROR, ErrorBoundary, Ui

app = typer.Typer(
    name="soc2ctl",
    help="Keep an AWS Organization in its SOC 2 control state: validate, plan, apply, with evidence.\n\n"
    "Example: soc2ctl plan playbooks/soc2-baseline.yml -i inventories/sandbox.yml",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    cls=ErrorBoundary,
)
app.add_typer(sandbox.sandbox_app, name="sandbox")
app.add_typer(evidence.evidence_app, name="evidence")
app.command("validate")(validate.validate)
app.command("inventory")(inventory.inventory_cmd)
app.command("plan")(plans.plan)
app.command("apply")(plans.apply)
app.command("iam-policy")(iam.iam_policy_command)
app.command("drift")(drift.drift_command)
app.command("controls")(catalog.controls)
app.command("merge")(plans.merge)
app.command("show")(plans.show)
app.command("schema")(schema.schema_cmd)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"soc2ctl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour, even on a terminal.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only; see the exit code.")] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Logs to stderr (-vv for AWS calls).")
    ] = 0,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            envvar="SOC2CTL_LOG_FORMAT",
            metavar="[text|json]",
            help="text, or json: every stderr line one JSON object with the run id (for log pipelines).",
        ),
    ] = "text",
) -> None:
    # parsed here, inside the error boundary (a root option's own parser would raise before it)
    json_logs = one_of(LogFormat, "--log-format")(log_format) == LogFormat.json
    ctx.obj = Ui(no_color=no_color or json_logs, quiet=quiet)
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    if json_logs:  # every stderr line one JSON object (soc2ctl.runlog)
        runlog.install_json(level)
    else:
        runlog.install_text(level)
    log_redaction.install()  # no credential in any log line, at any verbosity
    if verbose < 2:
        logging.getLogger("botocore").setLevel(logging.WARNING)


def main() -> None:
    USAGE_ERROR.exit_code = 1  # type: ignore[attr-defined]  # UsageError: 2 would read as changes pending
    app()


if __name__ == "__main__":
    main()
