"""`soc2ctl drift`: the scheduled mode. Plans, classifies drift, optionally remediates within limits, alerts.

Its own file so the command and its options live apart from plan/apply (cli.py registers it with one line).
Output is for machines: the JSON summary on stdout, the evidence line and errors on stderr. Exit codes are
the shared rule of docs/exit-codes.md: 0 all in state, 2 changes found out of state (drift or never
compliant; open detect-only findings too with --fail-on detect), 1 error (including a blast-radius breach,
which applies nothing), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated

import typer

from soc2ctl.cli.common import build_run
from soc2ctl.cli.evidence import EvidenceOpt, RetentionOpt, announce
from soc2ctl.cli.lazy import lazy
from soc2ctl.evidence import DEFAULT_LOCATION, DEFAULT_RETENTION_DAYS

run_lock = lazy("soc2ctl.run.lock", "run_lock")
DriftOptions = lazy("soc2ctl.drift", "DriftOptions")  # the engine loads when the command runs
run_drift = lazy("soc2ctl.drift", "run_drift")
check_fail_on = lazy("soc2ctl.engine.plan", "check_fail_on")

MaxOpt = Annotated[
    int | None,
    typer.Option("--max-changes", min=0, help="Most tasks --remediate may change in this run (else none)."),
]
MaxAccountOpt = Annotated[
    int | None,
    typer.Option(
        "--max-changes-per-account", min=0, help="Most tasks --remediate may change in one account."
    ),
]
NotifyOpt = Annotated[
    list[str] | None,
    typer.Option("--notify", help="Publish the summary: sns:arn:aws:sns:REGION:ACCOUNT:TOPIC."),
]
FindingsOpt = Annotated[
    str | None, typer.Option("--findings", help="Import findings: securityhub (caller account, home region).")
]


def drift_command(
    playbook: Annotated[
        list[Path], typer.Argument(help="Playbook YAML (or a shipped name); several run together, as one.")
    ],
    inventory: Annotated[Path, typer.Option("--inventory", "-i", help="Inventory YAML (or a shipped name).")],
    remediate: Annotated[
        bool, typer.Option("--remediate", help="Apply auto_remediate controls, within the limits.")
    ] = False,
    max_changes: MaxOpt = None,
    max_changes_per_account: MaxAccountOpt = None,
    notify: NotifyOpt = None,
    findings: FindingsOpt = None,
    limit: Annotated[
        str | None, typer.Option("--limit", "-l", help="Host pattern, e.g. 'prod:!legacy'.")
    ] = None,
    controls: Annotated[
        str | None, typer.Option("--controls", help="Only these control ids, comma-separated.")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="AWS profile for the base credentials.")
    ] = None,
    parallelism: Annotated[
        int, typer.Option("--parallelism", "-p", min=1, max=256, help="Concurrent tasks.")
    ] = 16,
    extra_vars: Annotated[
        list[str] | None, typer.Option("--extra-vars", "-e", help="key=value or JSON; highest precedence.")
    ] = None,
    evidence: EvidenceOpt = DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = DEFAULT_RETENTION_DAYS,
    fail_on: Annotated[
        list[str] | None,
        typer.Option("--fail-on", help="Exit 2 also for: detect (open detect-only findings)."),
    ] = None,
    lock: Annotated[
        str, typer.Option("--lock", help="With --remediate: 'local' or 'dynamodb:TABLE', as for apply.")
    ] = "local",
    lock_timeout: Annotated[
        float, typer.Option("--lock-timeout", min=0, help="Seconds to wait for a running apply.")
    ] = 0,
) -> None:
    """Scheduled mode: find drift since the last recorded run, fix auto_remediate controls within the blast
    radius, notify SNS / Security Hub. JSON summary on stdout; exit 0 in state, 2 drift, 1 error.

    Example: soc2ctl drift playbooks/soc2-baseline.yml -i inventories/sandbox.yml --remediate --max-changes 10
    """
    opts = DriftOptions(
        remediate=remediate,
        max_changes=max_changes,
        max_per_account=max_changes_per_account,
        notify=list(notify or []),
        findings=findings,
        evidence=evidence,
        retention_days=evidence_retention_days,
        fail_on=check_fail_on(fail_on or []),
    )
    run = build_run(playbook, inventory, limit, controls, profile, parallelism, extra_vars)
    # --remediate writes, so it takes the organization's apply lock like apply does.
    with run_lock(run, lock, lock_timeout) if remediate else contextlib.nullcontext():
        outcome = run_drift(run, opts)
    typer.echo(json.dumps(outcome.doc, indent=2, default=str))
    announce(outcome.writer)
    raise typer.Exit(outcome.exit_code)
