"""Evidence an auditor can sample: every plan, apply and drift run leaves a hash-chained bundle.

One module, one job: `records` (the JSON documents, masked), `sinks` (local directory, S3 Object Lock),
`chain` (layout and sealing), `writer` (a run's bundle as the run goes), `verify` (digests and chain),
`report` (per SOC 2 criterion, drift windows, changes and approvals), `render` (markdown and HTML).
`begin` is what a command calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from soc2ctl.errors import UserError
from soc2ctl.evidence.sinks import DEFAULT_RETENTION_DAYS, Sink, open_sink, parse_s3

if TYPE_CHECKING:
    from soc2ctl.evidence.signing import KmsSigner
    from soc2ctl.evidence.writer import EvidenceFailed, EvidenceWriter
    from soc2ctl.run.builder import Run

DEFAULT_LOCATION = "./evidence"

__all__ = ["DEFAULT_LOCATION", "DEFAULT_RETENTION_DAYS", "EvidenceFailed", "EvidenceWriter", "begin"]


def __getattr__(name: str) -> Any:
    """EvidenceWriter and EvidenceFailed load on first use: the CLI imports this package for its defaults,
    and must start without the engine (tests/test_startup.py)."""
    if name in ("EvidenceFailed", "EvidenceWriter"):
        from soc2ctl.evidence import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_sink(run: Run, location: str, retention_days: int) -> Sink:
    """S3 evidence is written with the run's own credentials, in the caller's account."""
    client = None
    if parse_s3(location):
        region = run.inventory.home_region
        client = run.sessions.client(run.sessions.caller_account, region, "s3")
    return open_sink(location, s3_client=client, retention_days=retention_days, writing=True)


def begin(
    run: Run,
    *,
    kind: str,
    location: str = DEFAULT_LOCATION,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    plan_sha256: str | None = None,
    approval: dict[str, Any] | None = None,
    sign_key: str | None = None,
    anchor_location: str | None = None,
) -> EvidenceWriter:
    """Open the sink (and the anchor, and the signing key), close any run that died unsealed, and write
    the run's metadata. Raises UserError (before anything is read or changed) when any of them is unusable:
    no evidence, no run."""
    from soc2ctl.aws.sessions import AccountAccessError
    from soc2ctl.evidence import anchor as anchors
    from soc2ctl.evidence import recovery
    from soc2ctl.evidence.records import control_json, run_metadata
    from soc2ctl.evidence.sinks import SinkError
    from soc2ctl.evidence.writer import EvidenceWriter

    try:
        caller = run.sessions.caller_identity()
    except AccountAccessError as exc:
        raise UserError(f"evidence: {exc}") from None
    sink = run_sink(run, location, retention_days)
    anchor = run_sink(run, anchors.location_for(location, anchor_location), retention_days)
    signer = run_signer(run, sign_key)
    writer = EvidenceWriter(sink, run.run_id, kind, executor=run.executor, signer=signer, anchor=anchor)
    try:
        closed = recovery.recover(sink, by_run_id=run.run_id, kind=kind, signer=signer, anchor=anchor)
    except SinkError as exc:
        raise UserError(f"evidence: cannot close a run that died unsealed: {exc}; nothing was done") from None
    metadata = run_metadata(
        kind=kind,
        run_id=run.run_id,
        caller=caller,
        sources={**run.sources(), "playbooks": run.playbook.sources_json()},
        controls=[control_json(c, _criteria(run, c.remediation)) for c in run.playbook.spec.controls],
        accounts=[{"id": a.id, "name": a.name} for a in run.inventory.accounts],
        plan_sha256=plan_sha256,
        approval=approval,
    )
    metadata["recovered_runs"] = [c["run_id"] for c in closed]
    writer.begin(metadata)
    return writer


def run_signer(run: Run, override: str | None) -> KmsSigner | None:
    """The seal signer when a key is configured (option, playbook, inventory or $SOC2CTL_SIGN_KEY),
    checked before the run starts: a key that cannot sign refuses the run."""
    from soc2ctl.evidence.signing import KmsSigner, SignatureError, configured_key, key_region

    key = configured_key(override, run.playbook.spec.signing_key, run.inventory.spec.signing_key)
    if key is None:
        return None
    region = key_region(key, run.inventory.home_region)
    signer = KmsSigner(run.sessions.client(run.sessions.caller_account, region, "kms"), key)
    try:
        signer.check()
    except SignatureError as exc:
        raise UserError(f"evidence: {exc}; nothing was done") from None
    return signer


def _criteria(run: Run, remediation: str) -> tuple[str, ...]:
    from soc2ctl import registry

    module = registry.get(remediation)
    return tuple(module.criteria) if module else ()
