"""Closing runs that died unsealed, in the record.

A run killed mid-apply leaves `run.json`, its task records and its write-ahead intent records, but no
seal: `verify` must report it (an auditor has to see that a run died and what it was about to change),
and it must not fail every later verification forever. So the next apply, holding the apply lock (no
other apply can be running), seals each dead apply run with a *recovery* seal: the digests of exactly the
files the dead run left, and a `recovery` field saying who closed it, when, and which intents it held.
Nothing is hidden: verify lists every recovered run. Runs of other kinds (plans and drift runs take no
lock, so one may still be running) are closed only once they are older than STALE_AFTER.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from soc2ctl.evidence import anchor as anchors
from soc2ctl.evidence import batches, chain
from soc2ctl.evidence.records import now_iso
from soc2ctl.evidence.sinks import Sink, SinkError

STALE_AFTER = dt.timedelta(hours=6)


def intent_keys(sink: Sink, files: Iterable[str]) -> list[str]:
    """The task keys of a run's intent records, in write order (an unreadable record is named as such)."""
    keys = []
    for name in sorted(f for f in files if "/intents/" in f):
        try:
            doc = json.loads(sink.get(name))
            keys.append(str(doc["key"]) if isinstance(doc, dict) and "key" in doc else f"{name} (unreadable)")
        except (SinkError, ValueError, RecursionError):
            keys.append(f"{name} (unreadable)")
    return keys


def unsealed_runs(sink: Sink) -> dict[str, set[str]]:
    """Run directories that no seal names, with their files."""
    keys = sink.list()
    sealed: set[str] = set()
    for key in keys:
        if chain.SEAL_RE.match(key):
            try:
                doc = json.loads(sink.get(key))
            except (SinkError, ValueError, RecursionError):
                continue
            if isinstance(doc, dict) and isinstance(doc.get("run_id"), str):
                sealed.add(doc["run_id"])
    runs: dict[str, set[str]] = {}
    for key in keys:
        if (m := chain.RUN_FILE_RE.match(key)) and m.group(1) not in sealed:
            runs.setdefault(m.group(1), set()).add(key)
    return runs


def _metadata(sink: Sink, run_id: str) -> dict[str, Any]:
    try:
        doc = json.loads(sink.get(chain.run_key(run_id, "run.json")))
    except (SinkError, ValueError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _stale(started_at: Any) -> bool:
    try:
        started = dt.datetime.fromisoformat(str(started_at))
    except ValueError:
        return True  # no readable start time: nothing says it is still running
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC) - started > STALE_AFTER


def recover(
    sink: Sink,
    *,
    by_run_id: str,
    kind: str,
    signer: Any = None,
    anchor: Sink | None = None,
) -> list[dict[str, Any]]:
    """Seal every dead run this run may close; returns the recovery seals written."""
    closed = []
    for run_id, files in sorted(unsealed_runs(sink).items()):
        meta = _metadata(sink, run_id)
        dead_kind = meta.get("kind") if isinstance(meta.get("kind"), str) else "unknown"
        if run_id == by_run_id or not (
            (kind == "apply" and dead_kind == "apply") or _stale(meta.get("started_at"))
        ):
            continue
        digests = {name: chain.sha256(sink.get(name)) for name in sorted(files)}
        recovery = {
            "closed_by": by_run_id,
            "closed_at": now_iso(),
            "reason": "the run died before it was sealed (killed, crashed or lost its connection)",
            "tasks_recorded": sum(batches.count_records(f) for f in files if batches.is_task_file(f)),
            "intents": intent_keys(sink, files),
            "summary_written": chain.run_key(run_id, "summary.json") in files,
        }
        sealed = chain.seal(
            sink, run_id=run_id, kind=dead_kind, files=digests, signer=signer, recovery=recovery
        )
        if anchor is not None:
            anchors.write(anchor, sink.location, sealed)
        closed.append(sealed)
    return closed
