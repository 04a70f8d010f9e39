"""`soc2ctl iam-policy`: the least-privilege policy (or a StackSet template) for a playbook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from soc2ctl.cli.choices import CallerIn, PolicyFormat, PolicyMode, PolicyRole, one_of
from soc2ctl.cli.common import ExtraVarsOpt, PlaybookArg, parse_extra_vars
from soc2ctl.cli.ui import Ui, ui
from soc2ctl.config import shipped as resources
from soc2ctl.errors import UserError

if TYPE_CHECKING:
    from soc2ctl.policy.iam_policy import PolicyRequest


def iam_policy_command(
    ctx: typer.Context,
    playbook: PlaybookArg,
    mode: Annotated[
        PolicyMode,
        typer.Option(
            "--mode",
            "-m",
            help="plan: read actions only; apply: read and write.",
            parser=one_of(PolicyMode, "--mode"),
        ),
    ] = PolicyMode.plan,
    role: Annotated[
        PolicyRole,
        typer.Option(
            "--role",
            help="member: the execution role assumed in each account; caller: the principal running soc2ctl.",
            parser=one_of(PolicyRole, "--role"),
        ),
    ] = PolicyRole.member,
    role_name: Annotated[
        str | None,
        typer.Option("--role-name", help="Execution role the caller may assume (default soc2ctl-<mode>)."),
    ] = None,
    fmt: Annotated[
        PolicyFormat,
        typer.Option(
            "--format",
            "-f",
            help="json (policy document) or cloudformation (StackSet).",
            parser=one_of(PolicyFormat, "--format"),
        ),
    ] = PolicyFormat.json,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="Caller: the run's s3://BUCKET/PREFIX evidence store.")
    ] = None,
    lock: Annotated[
        str | None, typer.Option("--lock", help="Caller: the run's dynamodb:TABLE apply lock.")
    ] = None,
    notify: Annotated[str | None, typer.Option("--notify", help="Caller: drift's sns:ARN topic.")] = None,
    findings: Annotated[
        str | None, typer.Option("--findings", help="Caller: drift's securityhub sink.")
    ] = None,
    extra_vars: ExtraVarsOpt = None,
    caller_in: Annotated[
        CallerIn,
        typer.Option(
            "--caller-in",
            help="Caller: management (it does organization tasks itself) or other (an automation "
            "account: it only assumes roles).",
            parser=one_of(CallerIn, "--caller-in"),
        ),
    ] = CallerIn.management,
    partition: Annotated[
        str | None,
        typer.Option(
            "--partition",
            help="ARNs for this AWS partition (aws, aws-us-gov, aws-cn); default: the configured region's.",
        ),
    ] = None,
) -> None:
    """Print the least-privilege IAM policy a playbook needs, computed from its modules' declared actions.

    The member policy goes on the role soc2ctl assumes in every account (organization.role_name in the
    inventory); the caller policy on the user or role that runs soc2ctl. Policies larger than a managed
    policy (6,144 characters) are split by service and printed as a JSON list, with a warning. Give the
    caller the same --evidence/--lock/--notify/--findings values as the runs, to add those resources.
    An opt-in fix's writes (iam-user-mfa's deny policy) are granted only when a control turns it on: give
    the same --extra-vars as the runs (and any inventory var that turns one on) to include them.

    Example: soc2ctl iam-policy playbooks/soc2-baseline.yml --mode apply > soc2ctl-apply-policy.json
    Example: soc2ctl iam-policy soc2-baseline --role caller --mode apply --evidence s3://acme-evidence/soc2
    Example: soc2ctl iam-policy soc2-baseline --format cloudformation > deploy/soc2ctl-roles.yaml
    """
    from soc2ctl.policy.iam_policy import PolicyRequest

    request = PolicyRequest(
        mode.value,
        role.value,
        role_name,
        evidence,
        lock,
        notify,
        findings,
        variables=parse_extra_vars(extra_vars),
        partition=partition or _configured_partition(),
        caller_in_management=caller_in == CallerIn.management,
    )
    _iam_policy(ui(ctx), playbook, request, fmt)


def _iam_policy(ui: Ui, playbook: Path, request: PolicyRequest, fmt: str) -> None:
    from soc2ctl.policy import iam_policy, iam_template

    path = resources.resolve(playbook, "playbooks")
    if not path.is_file():
        shipped = ", ".join(p.stem for p in resources.shipped("playbooks"))
        raise UserError(f"{playbook}: no such playbook; give a path to one, or a shipped name: {shipped}")
    if fmt == "cloudformation":
        typer.echo(iam_template.render(path, _label(playbook, path), request.variables), nl=False)
        return
    docs = iam_policy.build_policies(path, request)
    if len(docs) > 1:
        _warn(
            ui,
            f"the policy exceeds {iam_policy.MANAGED_POLICY_MAX_CHARS} characters: printed as a list of "
            f"{len(docs)} policy documents; attach each as its own managed policy",
        )
    typer.echo(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2))


def _configured_partition() -> str:
    """The partition of the region the AWS configuration names (AWS_REGION, the profile); `aws` if none.
    The CloudFormation template needs none: it uses ${AWS::Partition}."""
    import botocore.session

    from soc2ctl.aws import partitions

    return partitions.for_region(botocore.session.get_session().get_config_variable("region"))


def _label(playbook: Path, path: Path) -> str:
    """How the template header names the playbook: as the user gave it, or by name if shipped."""
    return str(playbook) if playbook.exists() else path.stem


def _warn(ui: Ui, message: str) -> None:
    ui.err().print(f"[yellow]warning:[/yellow] {message}", markup=True, highlight=False)
