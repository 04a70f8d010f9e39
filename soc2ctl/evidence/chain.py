"""The layout of an evidence store and its hash chain.

    runs/<run_id>/run.json            run metadata, written when the run starts
    runs/<run_id>/tasks/<n>.json      one record per task, written as each task completes (n = 000001, ...)
    runs/<run_id>/summary.json        counts and end time, written when the run ends
    chain/<seq>.json                  the manifest ("seal") of one run: SHA-256 of each of its files and of
                                      the previous seal; seq = 00000001, 00000002, ... in sealing order

The sequence number is given when a run is sealed, not when it starts: runs may overlap (a plan in CI while a
drift run is going), and a run that started first must not hold back the chain until it ends. Creating
`chain/<seq>.json` is the sink's one atomic create-if-absent, so two runs sealing at once get distinct,
consecutive numbers, and each seal names the digest of exactly one predecessor. The head of the chain is the
highest seal.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from soc2ctl.evidence.records import FORMAT, canonical_bytes, now_iso
from soc2ctl.evidence.sinks import AlreadyExists, Sink, SinkError

SEAL_RE = re.compile(r"^chain/(\d{8})\.json$")
RUN_FILE_RE = re.compile(r"^runs/([^/]+)/(.+)$")
MAX_SEAL_ATTEMPTS = 50


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_key(run_id: str, name: str) -> str:
    return f"runs/{run_id}/{name}"


def task_key(run_id: str, seq: int) -> str:
    return run_key(run_id, f"tasks/{seq:06d}.json")


def seal_key(seq: int) -> str:
    return f"chain/{seq:08d}.json"


def seal_numbers(sink: Sink) -> list[int]:
    return sorted(int(m.group(1)) for k in sink.list("chain/") if (m := SEAL_RE.match(k)))


def head(sink: Sink) -> dict[str, Any] | None:
    """The newest seal: its number, run id and digest (what the next seal links to)."""
    numbers = seal_numbers(sink)
    if not numbers:
        return None
    data = sink.get(seal_key(numbers[-1]))
    try:
        run_id = json.loads(data).get("run_id")
    except ValueError:
        run_id = None  # a damaged head is still linked by its digest; verify reports the damage
    return {"seq": numbers[-1], "run_id": run_id, "sha256": sha256(data)}


def seal(sink: Sink, *, run_id: str, kind: str, files: dict[str, str]) -> dict[str, Any]:
    """Append the run to the chain; retried when another run takes the same number first."""
    for _ in range(MAX_SEAL_ATTEMPTS):
        previous = head(sink)
        seq = previous["seq"] + 1 if previous else 1
        doc = {
            "format": FORMAT,
            "seq": seq,
            "run_id": run_id,
            "kind": kind,
            "sealed_at": now_iso(),
            "previous": previous,
            "files": dict(sorted(files.items())),
        }
        data = canonical_bytes(doc)
        try:
            sink.put_new(seal_key(seq), data)
        except AlreadyExists:
            continue
        return {"seq": seq, "key": seal_key(seq), "sha256": sha256(data)}
    raise SinkError(f"could not seal run {run_id}: {MAX_SEAL_ATTEMPTS} concurrent seals won the race")
