"""Writing one run's bundle while the run goes: metadata first, each task record as the task completes, then
the summary and the seal.

Why records are written as tasks complete (and not at the end): an apply that dies half-way must still leave
the record of every change it made. A plan changes nothing, so its records are written off the hot path: a
background thread writes them (compact, many to a file: soc2ctl.evidence.batches, not synced one by one)
while the run goes on, and everything is synced to disk once, before the seal. Why a failing sink stops an apply: a change without evidence is exactly
what an audit must never find, so the executor is told to start no further task, and the run ends in error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from soc2ctl.engine.executor import Executor, TaskResult
from soc2ctl.errors import UserError
from soc2ctl.evidence import anchor as anchors
from soc2ctl.evidence import batches, chain
from soc2ctl.evidence.records import canonical_bytes, summary, task_record
from soc2ctl.evidence.sinks import Sink, SinkError


class EvidenceFailed(UserError):
    """Evidence could not be written completely: the run's outcome cannot be trusted as recorded."""


@dataclass
class EvidenceWriter:
    sink: Sink
    run_id: str
    kind: str
    executor: Executor | None = None
    files: dict[str, str] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    failure: str | None = None
    sealed: dict[str, Any] | None = None
    intents: int = 0
    signer: Any = None  # signs each seal (soc2ctl.evidence.signing.KmsSigner) when a key is configured
    anchor: Sink | None = None  # where the seal's digest is anchored, outside the store

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[TaskResult | None] | None = None
        self._thread: threading.Thread | None = None
        if self.kind == "plan":
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._drain, name="soc2ctl-evidence", daemon=True)
            self._thread.start()

    @property
    def stops_on_failure(self) -> bool:
        """Plans change nothing, so a plan keeps reading; apply and drift runs stop changing things."""
        return self.kind != "plan"

    def add_document(self, key: str, doc: dict[str, Any]) -> None:
        """Store a document of the run (drift's summary) so the seal covers it like every task record."""
        self._write(key, doc)

    def _write(self, key: str, doc: dict[str, Any], *, compact: bool = False) -> None:
        data = canonical_bytes(doc, compact=compact)
        self.sink.put(key, data)
        self.files[key] = chain.sha256(data)

    def begin(self, metadata: dict[str, Any]) -> None:
        """Write run.json; failing here refuses the run before it reads or changes anything."""
        try:
            self._write(chain.run_key(self.run_id, "run.json"), metadata)
        except SinkError as exc:
            raise UserError(f"evidence: {exc}; nothing was done") from None

    def on_done(self, result: TaskResult) -> None:
        """The executor's per-task callback. Never raises: a failure is kept, and stops an apply."""
        if self._queue is not None:
            self._queue.put(result)  # a plan: the background thread records it
            return
        self._record(result)

    def _drain(self) -> None:
        """A plan's records, a batch to a file (soc2ctl.evidence.batches), until the run ends."""
        assert self._queue is not None
        ended = False
        while not ended:
            results, ended = batches.gather(self._queue)
            if results:
                self._record_batch(results)

    def _record_batch(self, results: list[TaskResult]) -> None:
        with self._lock:
            if self.failure is not None:
                self.unrecorded += [r.task.key for r in results]
                return
            first = len(self.records) + 1
            try:
                records = [task_record(first + i, r, self.kind) for i, r in enumerate(results)]
                data = b"".join(canonical_bytes(record, compact=True) for record in records)
                key = chain.run_key(self.run_id, batches.batch_name(first, first + len(records) - 1))
                getattr(self.sink, "put_deferred", self.sink.put)(key, data)
            except Exception as exc:  # the thread must not die silently: the seal would lack records
                self.failure = str(exc) if isinstance(exc, SinkError) else f"cannot record tasks: {exc!r}"
                self.unrecorded += [r.task.key for r in results]
                return
            self.files[key] = chain.sha256(data)
            self.records += records

    def _record(self, result: TaskResult) -> None:
        with self._lock:
            if self.failure is not None:
                self.unrecorded.append(result.task.key)
                return
            record = task_record(len(self.records) + 1, result, self.kind)
            try:
                key = chain.task_key(self.run_id, record["seq"])
                self._write(key, record, compact=True)
            except SinkError as exc:
                self.failure = str(exc)
                self.unrecorded.append(result.task.key)
                if self.stops_on_failure and self.executor is not None:
                    self.executor.stop(f"skipped: evidence could not be written ({exc})")
                return
            self.records.append(record)

    def on_intent(self, planned: TaskResult) -> None:
        """Write-ahead: the change about to be made, recorded before the first write call. If the
        process dies during the write, the auditor still finds what was being changed; if this record
        cannot be written, the change is not made (the executor fails the task)."""
        with self._lock:
            if self.failure is not None:
                raise SinkError(f"evidence sink already failed: {self.failure}")
            self.intents += 1
            record = {**task_record(self.intents, planned, self.kind), "outcome": "intended"}
            try:
                self._write(chain.run_key(self.run_id, f"intents/{self.intents:06d}.json"), record)
            except SinkError as exc:
                self.failure = str(exc)
                raise

    def record_all(self, results: Iterable[TaskResult]) -> None:
        for result in results:
            self.on_done(result)

    def finish(
        self, *, plan_sha256: str | None = None, interrupted: bool = False, stopped: str | None = None
    ) -> dict[str, Any]:
        """Write the summary and seal the run into the chain; raise EvidenceFailed if anything is missing."""
        self._drain_and_sync()
        if self.failure is not None:
            stopped = f"evidence sink failed: {self.failure}"
        doc = summary(self.records, plan_sha256=plan_sha256, interrupted=interrupted, stopped=stopped)
        doc["unrecorded_tasks"] = self.unrecorded
        try:
            self._write(chain.run_key(self.run_id, "summary.json"), doc)
            self.sealed = chain.seal(
                self.sink, run_id=self.run_id, kind=self.kind, files=self.files, signer=self.signer
            )
            if self.anchor is not None:
                anchors.write(self.anchor, self.sink.location, self.sealed)
        except SinkError as exc:
            self.failure = self.failure or str(exc)
            raise EvidenceFailed(self.failure_message()) from None
        if self.failure is not None:
            raise EvidenceFailed(self.failure_message())
        return self.sealed

    def _drain_and_sync(self) -> None:
        """A plan's records: all written (the background thread done) and on disk before the seal."""
        if self._queue is None or self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._queue = None
        flush = getattr(self.sink, "flush", None)
        if flush is not None:
            try:
                flush()
            except OSError as exc:
                self.failure = self.failure or f"cannot sync {self.sink.location}: {exc}"

    def failure_message(self) -> str:
        what = (
            "apply stopped before any further change" if self.stops_on_failure else "the plan is unrecorded"
        )
        missing = f"; {len(self.unrecorded)} task(s) without a record: {', '.join(self.unrecorded[:5])}"
        return (
            f"evidence could not be written to {self.sink.location}: {self.failure}; {what}"
            + (missing if self.unrecorded else "")
            + ("" if self.sealed else "; the run is not sealed")
        )
