"""`soc2ctl iam-policy`: the least-privilege policy (or a StackSet template) for a playbook.

Kept out of soc2ctl/cli.py so that several people can work on the CLI at once; cli.py registers the command
with one line. Imports from cli.py happen at call time, because cli.py imports this module.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from soc2ctl.cli.common import ExtraVarsOpt, Ui, parse_extra_vars, user_errors
from soc2ctl.cli.lazy import lazy
from soc2ctl.config import shipped as resources
from soc2ctl.errors import UserError

iam_policy = lazy("soc2ctl.policy.iam_policy")  # the engine loads when the command runs
iam_template = lazy("soc2ctl.policy.iam_template")

FORMATS = ("json", "cloudformation")


def iam_policy_command(
    playbook: Annotated[Path, typer.Argument(help="Playbook YAML (or the name of a shipped one).")],
    mode: Annotated[
        str, typer.Option("--mode", "-m", help="plan: read actions only; apply: read and write.")
    ] = "plan",
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="member: the execution role assumed in each account; caller: the principal running soc2ctl.",
        ),
    ] = "member",
    role_name: Annotated[
        str | None,
        typer.Option("--role-name", help="Execution role the caller may assume (default soc2ctl-<mode>)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="json (policy document) or cloudformation (StackSet).")
    ] = "json",
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
        str,
        typer.Option(
            "--caller-in",
            help="Caller: 'management' (runs in the management account, doing organization tasks itself) "
            "or 'other' (an automation account: it only assumes roles).",
        ),
    ] = "management",
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
    user_errors(_iam_policy)(
        playbook,
        iam_policy.PolicyRequest(mode, role, role_name, evidence, lock, notify, findings),
        fmt,
        extra_vars,
        partition,
        caller_in,
    )


def _iam_policy(
    playbook: Path,
    request: iam_policy.PolicyRequest,
    fmt: str,
    extra_vars: list[str] | None,
    partition: str | None,
    caller_in: str = "management",
) -> None:
    if caller_in not in ("management", "other"):
        raise UserError(f"--caller-in {caller_in!r}: choose management or other")
    request = dataclasses.replace(
        request,
        variables=parse_extra_vars(extra_vars),
        partition=partition or _configured_partition(),
        caller_in_management=caller_in == "management",
    )
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
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
            f"the policy exceeds {iam_policy.MANAGED_POLICY_MAX_CHARS} characters: printed as a list of "
            f"{len(docs)} policy documents; attach each as its own managed policy"
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


def _warn(message: str) -> None:
    Ui.err().print(f"[yellow]warning:[/yellow] {message}", markup=True, highlight=False)
