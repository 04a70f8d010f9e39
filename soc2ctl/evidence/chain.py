"""The layout of an evidence store and its hash chain.

    runs/<run_id>/run.json            run metadata, written when the run starts
    runs/<run_id>/tasks/<n>.json      one record per task, written as each task completes (n = 000001, ...)
    runs/<run_id>/summary.json        counts and end time, written when the run ends
    chain/<seq>.json                  the manifest ("seal") of one run: SHA-256 of each of its files and of
                                      the previous seal; seq = 00000001, 00000002, ... in sealing order
    chain/<seq>.sig                   the KMS signature of the seal's SHA-256 (when a signing key is set)

and, outside the store (soc2ctl.evidence.anchor), `anchors/<seq>.json`: the seal's digest, kept where whoever
can write the store cannot, so that removing or rewriting the newest runs is seen.

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
SIG_RE = re.compile(r"^chain/(\d{8})\.sig$")
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


def sig_key(seq: int) -> str:
    return f"chain/{seq:08d}.sig"


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


def seal(
    sink: Sink,
    *,
    run_id: str,
    kind: str,
    files: dict[str, str],
    signer: Any = None,
    recovery: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append the run to the chain, retried when another run takes the same number first; then sign the
    seal's digest (`chain/<seq>.sig`). `recovery` marks the seal of a run that died unsealed, written by
    the run that found it (soc2ctl.evidence.recovery)."""
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
        if recovery is not None:
            doc["recovery"] = recovery
        data = canonical_bytes(doc)
        try:
            sink.put_new(seal_key(seq), data)
        except AlreadyExists:
            continue
        sealed = {"seq": seq, "key": seal_key(seq), "sha256": sha256(data), "run_id": run_id}
        if signer is not None:
            sealed["signature"] = sign_seal(sink, signer, seq, sealed["sha256"])
        return sealed
    raise SinkError(f"could not seal run {run_id}: {MAX_SEAL_ATTEMPTS} concurrent seals won the race")


def sign_seal(sink: Sink, signer: Any, seq: int, digest: str) -> dict[str, Any]:
    """`chain/<seq>.sig`: the signature of `soc2ctl-seal-v1 <sha256 of the seal file>` (see signing)."""
    from soc2ctl.evidence.signing import SignatureError, seal_message

    try:
        signature = signer.sign(seal_message(digest))
    except SignatureError as exc:
        raise SinkError(f"seal #{seq} written but not signed: {exc}") from None
    doc = {"format": FORMAT, "seq": seq, "seal_sha256": digest, **signature}
    sink.put_new(sig_key(seq), canonical_bytes(doc))
    return doc
