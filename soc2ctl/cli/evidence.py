"""`soc2ctl evidence verify|report`, and the `--evidence` options that plan, apply and drift share.

A sub-app of its own so the evidence commands and their options live apart from the plan/apply code they
hook into (cli.py registers this app with one line and calls `soc2ctl.evidence` from its commands).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from soc2ctl import evidence
from soc2ctl.cli.lazy import lazy
from soc2ctl.errors import UserError
from soc2ctl.evidence import DEFAULT_LOCATION, DEFAULT_RETENTION_DAYS
from soc2ctl.evidence.sinks import Sink, SinkError, open_sink, parse_s3

if TYPE_CHECKING:
    from soc2ctl.engine.executor import TaskResult
    from soc2ctl.evidence import EvidenceWriter
    from soc2ctl.run.builder import Run

# Loaded when a command uses them: the CLI starts without botocore, rich or the evidence engine.
botocore_session = lazy("botocore.session")
Console = lazy("rich.console", "Console")
render_html = lazy("soc2ctl.evidence.render", "render_html")
render_markdown = lazy("soc2ctl.evidence.render", "render_markdown")
build_report = lazy("soc2ctl.evidence.report", "build_report")
verify = lazy("soc2ctl.evidence.verify", "verify")

F = TypeVar("F", bound=Callable[..., Any])

EvidenceOpt = Annotated[
    str,
    typer.Option(
        "--evidence",
        envvar="SOC2CTL_EVIDENCE",
        help="Where the run's evidence goes: a directory, or s3://bucket/prefix (Object Lock required).",
    ),
]
RetentionOpt = Annotated[
    int,
    typer.Option(
        "--evidence-retention-days",
        min=1,
        help="S3 Object Lock COMPLIANCE retention of each evidence object.",
    ),
]
SignKeyOpt = Annotated[
    str | None,
    typer.Option("--sign-key", help="KMS asymmetric key: sign the saved plan / require plans signed by it."),
]
PlanHashOpt = Annotated[
    str | None, typer.Option("--plan-sha256", help="The approved plan's hash: refuse any other plan.")
]
LocationArg = Annotated[str, typer.Argument(help="An evidence directory or s3://bucket/prefix.")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile to read an S3 store.")]

__all__ = ["DEFAULT_LOCATION", "DEFAULT_RETENTION_DAYS", "EvidenceOpt", "RetentionOpt", "finish", "start"]

evidence_app = typer.Typer(
    help="Verify and report on the evidence that plan, apply and drift runs write.\n\n"
    "Example: soc2ctl evidence verify ./evidence",
    no_args_is_help=True,
)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _user_errors(fn: F) -> F:
    """Bad input and unreadable stores are one line and exit 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            for problem in exc.problems:
                _err().print(f"[red]error:[/red] {problem}")
            raise typer.Exit(1) from None
        except SinkError as exc:
            _err().print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


class Options:
    """The command's --evidence options, set once per command (like cli.Ui), so the plan and apply code
    paths start evidence with one call each and no extra parameters to thread through."""

    location: str = DEFAULT_LOCATION
    retention_days: int = DEFAULT_RETENTION_DAYS
    sign_key: str | None = None


_writers: dict[str, EvidenceWriter] = {}


def configure(location: str, retention_days: int, sign_key: str | None = None) -> None:
    Options.location, Options.retention_days, Options.sign_key = location, retention_days, sign_key


def start(
    run: Run, kind: str, plan_doc: dict[str, Any] | None = None, approval: dict[str, Any] | None = None
) -> EvidenceWriter:
    """Open the sink, write the run's metadata, and record every task result the executor produces from
    now on (as each completes). Refuses the run (UserError) when the sink is unusable."""
    writer = evidence.begin(
        run,
        kind=kind,
        location=Options.location,
        retention_days=Options.retention_days,
        plan_sha256=plan_doc["plan_sha256"] if plan_doc else None,
        approval=approval,
        sign_key=Options.sign_key,
    )
    run.executor.observers.append(writer.on_done)
    run.executor.intent_observers.append(writer.on_intent)
    _writers[run.run_id] = writer
    return writer


def finish(run: Run, plan_doc: dict[str, Any], stopped: str | None = None) -> None:
    """Seal the run's evidence and say where it is; EvidenceFailed (exit 1) if any of it is missing."""
    writer = _writers.pop(run.run_id, None)
    if writer is None:
        return
    if writer.on_done in run.executor.observers:
        run.executor.observers.remove(writer.on_done)
    if writer.on_intent in run.executor.intent_observers:
        run.executor.intent_observers.remove(writer.on_intent)
    writer.finish(
        plan_sha256=plan_doc.get("plan_sha256"), interrupted=run.executor.interrupted, stopped=stopped
    )
    announce(writer)


def record(
    run: Run, kind: str, plan_doc: dict[str, Any], results: dict[str, TaskResult], stopped: str
) -> None:
    """A run that ends before its executor phase (nothing to apply): its reads are its evidence."""
    writer = start(run, kind, plan_doc)
    writer.record_all(results.values())
    finish(run, plan_doc, stopped)


def announce(writer: EvidenceWriter) -> None:
    """One stderr line per run: where its evidence is and the chain head to quote in a ticket."""
    if writer.sealed:
        _err().print(
            f"evidence: run {writer.run_id} sealed as #{writer.sealed['seq']} in {writer.sink.location} "
            f"(head sha256:{writer.sealed['sha256']})"
        )


def reading_sink(location: str, profile: str | None) -> Sink:
    """A store to read: S3 with the standard credential chain (AWS_ENDPOINT_URL honoured), or a directory."""
    client = None
    if parse_s3(location):
        session = botocore_session.Session(profile=profile)
        client = session.create_client("s3", region_name=session.get_config_variable("region") or "us-east-1")
    elif not Path(location).is_dir():
        raise UserError(f"{location}: no such evidence directory")
    return open_sink(location, s3_client=client, writing=False)


@evidence_app.command("verify")
@_user_errors
def verify_cmd(
    location: LocationArg,
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="A head digest recorded earlier: must be in the chain."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
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
    from soc2ctl.evidence import trust

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
        for note in result.notes:
            _err().print(f"note: {note}")
        for problem in result.problems:
            _err().print(f"[red]tampered:[/red] {problem}")
        head = result.head or {}
        status = "ok" if result.ok else f"FAILED ({len(result.problems)} problem(s))"
        typer.echo(
            f"{status}: {result.runs} run(s), {result.files} file(s), {result.signed} signature(s) in {location}"
            + (f"; head #{head['seq']} sha256:{head['sha256']}" if head else "")
        )
    if not result.ok:
        raise typer.Exit(1)


@evidence_app.command("public-key")
@_user_errors
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
@_user_errors
def report_cmd(
    location: LocationArg,
    since: Annotated[str, typer.Option("--since", help="First day of the period, YYYY-MM-DD.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or html.")] = "markdown",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file, not stdout.")] = None,
    profile: ProfileOpt = None,
) -> None:
    """Per SOC 2 criterion: controls, status per account, drift windows, changes with approvals, exceptions.

    Example: soc2ctl evidence report ./evidence --since 2025-01-01 --format html -o report.html
    """
    if fmt not in ("markdown", "html"):
        raise UserError(f"--format {fmt!r}: choose markdown or html")
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
        _err().print("[red]error:[/red] the evidence failed verification; see the Integrity section")
        raise typer.Exit(1)
