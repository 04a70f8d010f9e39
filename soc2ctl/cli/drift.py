"""`soc2ctl drift`: the scheduled mode, a thin caller of the run service (soc2ctl.run.service.drift).

Output is for machines: the JSON summary on stdout, the evidence line and errors on stderr. Exit codes are
the shared rule of docs/exit-codes.md: 0 all in state, 2 changes found out of state (drift or never
compliant; open detect-only findings too with --fail-on detect), 1 error (including a blast-radius breach,
which applies nothing), 130 interrupted.
"""

from __future__ import annotations

from typing import Annotated

import typer

from soc2ctl.cli.choices import FailOn, FindingsTarget, TextOrJson, one_of
from soc2ctl.cli.common import (
    DEFAULT_LOCATION,
    DEFAULT_RETENTION_DAYS,
    ControlsOpt,
    EvidenceOpt,
    ExtraVarsOpt,
    InventoryOpt,
    LimitOpt,
    ParallelOpt,
    PlaybookArg,
    ProfileOpt,
    RetentionOpt,
    run_request,
    run_service,
)
from soc2ctl.cli.frontend import CliFrontend
from soc2ctl.cli.ui import ui

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
    typer.Option(
        "--notify",
        help="Publish the summary: sns:TOPIC_ARN (e.g. sns:arn:aws-us-gov:sns:REGION:ACCOUNT:TOPIC).",
    ),
]
FindingsOpt = Annotated[
    FindingsTarget | None,
    typer.Option(
        "--findings",
        help="Import findings: securityhub (caller account, home region).",
        parser=one_of(FindingsTarget, "--findings"),
    ),
]
DriftFailOnOpt = Annotated[
    list[FailOn] | None,
    typer.Option(
        "--fail-on",
        help="Exit 2 also for: detect (open detect-only findings).",
        parser=one_of(FailOn, "--fail-on"),
    ),
]


def drift_command(
    ctx: typer.Context,
    playbook: PlaybookArg,
    inventory: InventoryOpt,
    remediate: Annotated[
        bool, typer.Option("--remediate", help="Apply auto_remediate controls, within the limits.")
    ] = False,
    max_changes: MaxOpt = None,
    max_changes_per_account: MaxAccountOpt = None,
    notify: NotifyOpt = None,
    findings: FindingsOpt = None,
    limit: LimitOpt = None,
    controls: ControlsOpt = None,
    profile: ProfileOpt = None,
    parallelism: ParallelOpt = 16,
    extra_vars: ExtraVarsOpt = None,
    evidence: EvidenceOpt = DEFAULT_LOCATION,
    evidence_retention_days: RetentionOpt = DEFAULT_RETENTION_DAYS,
    fail_on: DriftFailOnOpt = None,
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
    service = run_service()

    where = (evidence, evidence_retention_days, None)
    request = run_request(playbook, inventory, limit, controls, profile, parallelism, extra_vars, where)
    opts = service.DriftOptions(
        remediate=remediate,
        max_changes=max_changes,
        max_per_account=max_changes_per_account,
        notify=list(notify or []),
        findings=findings.value if findings else None,
        fail_on=frozenset(f.value for f in fail_on or []),
    )
    frontend = CliFrontend(ui(ctx), TextOrJson.json)
    raise typer.Exit(service.drift(request, frontend, opts, (lock, lock_timeout)))
