"""`soc2ctl evidence verify|public-key|report`: check and report on the evidence runs leave.

The runs' own evidence (`--evidence` on plan, apply and drift) is the run service's (soc2ctl.run.evidence);
these commands only read a store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from soc2ctl.cli.choices import ReportFormat, TextOrJson, one_of
from soc2ctl.cli.ui import ui
from soc2ctl.errors import UserError
from soc2ctl.evidence.sinks import Sink, open_sink, parse_s3

LocationArg = Annotated[str, typer.Argument(help="An evidence directory or s3://bucket/prefix.")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile to read an S3 store.")]

evidence_app = typer.Typer(
    help="Verify and report on the evidence that plan, apply and drift runs write.\n\n"
    "Example: soc2ctl evidence verify ./evidence",
    no_args_is_help=True,
)


def reading_sink(location: str, profile: str | None) -> Sink:
    """A store to read: S3 with the standard credential chain (AWS_ENDPOINT_URL honoured), or a directory."""
    client = None
    if parse_s3(location):
        from botocore import session as botocore_session

        session = botocore_session.Session(profile=profile)
        client = session.create_client("s3", region_name=session.get_config_variable("region") or "us-east-1")
    elif not Path(location).is_dir():
        raise UserError(f"{location}: no such evidence directory")
    return open_sink(location, s3_client=client, writing=False)


@evidence_app.command("verify")
def verify_cmd(
    ctx: typer.Context,
    location: LocationArg,
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="A head digest recorded earlier: must be in the chain."),
    ] = None,
    fmt: Annotated[
        TextOrJson,
        typer.Option("--format", "-f", help="text or json.", parser=one_of(TextOrJson, "--format")),
    ] = TextOrJson.text,
    profile: ProfileOpt = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="PEM public key of the signing key (offline check).")
    ] = None,
    sign_key: Annotated[
        str | None,
        typer.Option("--sign-key", envvar="SOC2CTL_SIGN_KEY", help="KMS key the seals must be signed with."),
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor", envvar="SOC2CTL_EVIDENCE_ANCHOR", help="The chain's anchor, outside the store."
        ),
    ] = None,
) -> None:
    """Check every file's SHA-256, the hash chain, each seal's signature and the anchor; name each edited,
    deleted, added or reordered file or run.

    Example: soc2ctl evidence verify ./evidence --public-key soc2ctl-signing.pem
    """
    from rich.markup import escape

    from soc2ctl.evidence import trust
    from soc2ctl.evidence.verify import verify

    result = verify(
        reading_sink(location, profile),
        expect_head,
        verifier=trust.verifier(public_key, sign_key, profile),
        anchor=trust.anchor_sink(location, anchor, profile),
    )
    if fmt == "json":
        doc = {"ok": result.ok, "runs": result.runs, "files": result.files, "signed": result.signed}
        typer.echo(
            json.dumps(
                {**doc, "head": result.head, "problems": result.problems, "notes": result.notes}, indent=2
            )
        )
    else:
        err = ui(ctx).err()
        for note in result.notes:
            err.print(f"note: {note}", markup=False)
        for problem in result.problems:
            err.print(f"[red]tampered:[/red] {escape(problem)}")
        head = result.head or {}
        status = "ok" if result.ok else f"FAILED ({len(result.problems)} problem(s))"
        typer.echo(
            f"{status}: {result.runs} run(s), {result.files} file(s), {result.signed} signature(s) in {location}"
            + (f"; head #{head['seq']} sha256:{head['sha256']}" if head else "")
        )
    if not result.ok:
        raise typer.Exit(1)


@evidence_app.command("public-key")
def public_key_cmd(
    key: Annotated[str, typer.Argument(help="The KMS signing key (id, ARN or alias).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the PEM here, not stdout.")] = None,
    profile: ProfileOpt = None,
) -> None:
    """Export the signing key's public half as PEM, for offline `verify --public-key` and openssl.

    Example: soc2ctl evidence public-key alias/soc2ctl-signing -o soc2ctl-signing.pem
    """
    from soc2ctl.evidence import trust
    from soc2ctl.evidence.signing import public_key_pem

    pem = public_key_pem(trust.kms_client(key, profile), key)
    if out:
        out.write_bytes(pem)
    else:
        typer.echo(pem.decode(), nl=False)


@evidence_app.command("report")
def report_cmd(
    ctx: typer.Context,
    location: LocationArg,
    since: Annotated[str, typer.Option("--since", help="First day of the period, YYYY-MM-DD.")],
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="markdown or html.", parser=one_of(ReportFormat, "--format")),
    ] = ReportFormat.markdown,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file, not stdout.")] = None,
    profile: ProfileOpt = None,
) -> None:
    """Per SOC 2 criterion: controls, status per account, drift windows, changes with approvals, exceptions.

    Example: soc2ctl evidence report ./evidence --since 2025-01-01 --format html -o report.html
    """
    from soc2ctl.evidence.render import render_html, render_markdown
    from soc2ctl.evidence.report import build_report

    try:
        start = dt.date.fromisoformat(since)
    except ValueError:
        raise UserError(f"--since {since!r}: expected a date, YYYY-MM-DD") from None
    report = build_report(reading_sink(location, profile), start)
    text = render_html(report) if fmt == "html" else render_markdown(report)
    if out:
        out.write_text(text)
    else:
        typer.echo(text, nl=False)
    if not report.integrity.ok:
        ui(ctx).err().print("[red]error:[/red] the evidence failed verification; see the Integrity section")
        raise typer.Exit(1)
