"""The last known state of each task, read back from the evidence store.

Why the evidence store and not a state file: it is the record an auditor trusts (hash-chained, append-only),
so "it was in state at the last recorded run" means exactly what the auditor can check. The walk goes from
the newest sealed run backwards and stops as soon as every task asked about is decided:

- the newest known observation of the task is `in` state: it drifted since then (`since` = that time);
- it is `out`, and that run was a drift run that classified it (its `drift.json`): the classification
  carries over, so a drift that is not remediated stays a drift run after run;
- otherwise keep looking further back; a task never seen in state is never-compliant.

Only `MAX_RUNS` runs are read (each is one file per task), so the cost of a run stays bounded as the store
grows; a persistent drift is carried by each drift run's own classification, well within that window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from soc2ctl.evidence import batches, chain
from soc2ctl.evidence.sinks import Sink, SinkError

MAX_RUNS = 200
DRIFT_FILE = "drift.json"


@dataclass(frozen=True)
class Prior:
    """What the store says about one task: its classification and since when it was out of state."""

    classification: str  # drift | never-compliant
    since: str | None  # last time seen in state (the latest the drift can have started)
    run_id: str | None


def _read_json(sink: Sink, key: str) -> Any:
    try:
        return json.loads(sink.get(key))
    except (SinkError, ValueError):
        return None  # unreadable: `evidence verify` names it; history just knows less


def _read_records(sink: Sink, key: str) -> list[Any]:
    """The records of one task file (one record, or a plan's batch); none if unreadable."""
    try:
        return batches.read_records(sink, key)
    except (SinkError, ValueError):
        return []


def _sealed_runs(sink: Sink, max_runs: int) -> list[dict[str, Any]]:
    """The newest seals first (each names its run and files)."""
    seals = []
    for seq in reversed(chain.seal_numbers(sink)[-max_runs:]):
        seal = _read_json(sink, chain.seal_key(seq))
        if isinstance(seal, dict) and seal.get("run_id"):
            seals.append(seal)
    return seals


def _observed(record: dict[str, Any]) -> str | None:
    """The state the run left the task in: the verified state after an apply, else the state it read."""
    for state in (record.get("state_after"), record.get("state_before")):
        if state in ("in", "out"):
            return state
    return None


def _run_states(sink: Sink, seal: dict[str, Any], keys: set[str]) -> dict[str, tuple[str, str]]:
    """key -> (state, recorded_at) of the run's latest record of each asked-about task."""
    found: dict[str, tuple[str, str]] = {}
    for name in sorted(f for f in seal.get("files", {}) if batches.is_task_file(f)):
        for record in _read_records(sink, name):
            if not isinstance(record, dict) or record.get("key") not in keys:
                continue
            if state := _observed(record):
                found[record["key"]] = (state, record.get("recorded_at", ""))
    return found


def _classified(sink: Sink, seal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A drift run's own classifications (its drift.json), by task key."""
    key = chain.run_key(seal["run_id"], DRIFT_FILE)
    if key not in seal.get("files", {}):
        return {}
    doc = _read_json(sink, key) or {}
    return {t["key"]: t for t in doc.get("tasks", []) if isinstance(t, dict) and "key" in t}


def _decide(state: str, at: str, entry: dict[str, Any], run_id: str) -> Prior | None:
    """One run's word on one task: in state (or restored by that drift run), a carried classification,
    or nothing conclusive (out of state in a plain plan/apply run: look further back)."""
    if entry.get("state_after") == "in":
        return Prior("drift", entry.get("restored_at") or at, run_id)
    if state == "in":
        return Prior("drift", at, run_id)
    if entry.get("classification") in ("drift", "never-compliant"):
        return Prior(entry["classification"], entry.get("since"), run_id)
    return None


def last_known(sink: Sink, keys: set[str], max_runs: int = MAX_RUNS) -> dict[str, Prior]:
    """For the tasks now out of state, what the evidence says they were before. Missing keys: no history
    decides them (the caller treats them as never-compliant)."""
    decided: dict[str, Prior] = {}
    pending = set(keys)
    for seal in _sealed_runs(sink, max_runs) if pending else []:
        states = _run_states(sink, seal, pending)
        classified = _classified(sink, seal) if states else {}
        for key, (state, at) in states.items():
            if prior := _decide(state, at, classified.get(key) or {}, seal["run_id"]):
                decided[key] = prior
        pending -= decided.keys()
        if not pending:
            break
    return decided
