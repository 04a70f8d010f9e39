"""One run's evidence, from opening the store to the seal.

A `RunEvidence` belongs to one command invocation (no module-level state): `start` opens the store before
anything is read (no evidence, no run) and records every task result as it completes; `finish` seals the
run and raises EvidenceFailed (a UserError: exit 1) if any of it is missing. Who started the run is told
where the evidence went through `on_sealed`, a line for a human.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from soc2ctl import evidence
from soc2ctl.evidence import DEFAULT_LOCATION, DEFAULT_RETENTION_DAYS

if TYPE_CHECKING:
    from soc2ctl.engine.executor import TaskResult
    from soc2ctl.evidence import EvidenceWriter
    from soc2ctl.run.builder import Run


@dataclass(frozen=True)
class EvidenceSettings:
    """`--evidence`, `--evidence-retention-days` and `--sign-key`."""

    location: str = DEFAULT_LOCATION
    retention_days: int = DEFAULT_RETENTION_DAYS
    sign_key: str | None = None


def sealed_line(writer: EvidenceWriter) -> str | None:
    """Where the run's evidence is and the chain head to quote in a ticket (None if it was not sealed)."""
    if not writer.sealed:
        return None
    return (
        f"evidence: run {writer.run_id} sealed as #{writer.sealed['seq']} in {writer.sink.location} "
        f"(head sha256:{writer.sealed['sha256']})"
    )


class RunEvidence:
    def __init__(self, settings: EvidenceSettings, on_sealed: Callable[[str], None]) -> None:
        self.settings = settings
        self.on_sealed = on_sealed
        self.writer: EvidenceWriter | None = None

    def start(
        self,
        run: Run,
        kind: str,
        plan_doc: dict[str, Any] | None = None,
        approval: dict[str, Any] | None = None,
        *,
        observe: bool = True,
    ) -> EvidenceWriter:
        """Open the sink and write the run's metadata; with `observe`, record every task result the executor
        produces from now on. Refuses the run (UserError) when the sink is unusable."""
        writer = evidence.begin(
            run,
            kind=kind,
            location=self.settings.location,
            retention_days=self.settings.retention_days,
            plan_sha256=plan_doc["plan_sha256"] if plan_doc else None,
            approval=approval,
            sign_key=self.settings.sign_key,
        )
        if observe:
            run.executor.observers.append(writer.on_done)
            run.executor.intent_observers.append(writer.on_intent)
        self.writer = writer
        return writer

    def finish(self, run: Run, plan_sha256: str | None = None, stopped: str | None = None) -> dict[str, Any]:
        """Seal the run's evidence and say where it is; EvidenceFailed (exit 1) if any of it is missing."""
        writer, self.writer = self.writer, None
        if writer is None:
            return {}
        if writer.on_done in run.executor.observers:
            run.executor.observers.remove(writer.on_done)
        if writer.on_intent in run.executor.intent_observers:
            run.executor.intent_observers.remove(writer.on_intent)
        sealed = writer.finish(plan_sha256=plan_sha256, interrupted=run.executor.interrupted, stopped=stopped)
        if line := sealed_line(writer):
            self.on_sealed(line)
        return {"location": writer.sink.location, "seal": sealed}

    def record(
        self, run: Run, kind: str, plan_doc: dict[str, Any], results: Iterable[TaskResult], stopped: str
    ) -> None:
        """A run that ends before its executor phase (nothing to apply): its reads are its evidence."""
        writer = self.start(run, kind, plan_doc)
        writer.record_all(results)
        self.finish(run, plan_doc.get("plan_sha256"), stopped)
