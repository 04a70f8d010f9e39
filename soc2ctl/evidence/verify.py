"""`evidence verify`: recompute every digest and walk the chain, naming every file or run that was edited,
deleted, added or reordered; check each seal's signature with a trusted key; compare the chain with its
anchor outside the store; on S3, look at every object version and delete marker.

What the store alone cannot show (its newest runs removed with their seals, the whole store emptied, the
whole chain rewritten and re-hashed, forged runs appended) is shown by the signatures (nobody without the
KMS key can sign a rewritten seal) and by the anchor (kept where the store's writers cannot write). Which
configuration detects what is the threat-model table in docs/evidence.md.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from soc2ctl.evidence import anchor as anchors
from soc2ctl.evidence.batches import count_records, is_task_file
from soc2ctl.evidence.chain import RUN_FILE_RE, SEAL_RE, SIG_RE, seal_key, sha256, sig_key
from soc2ctl.evidence.signing import Verifier, seal_message
from soc2ctl.evidence.sinks import Sink, SinkError


@dataclass
class Verification:
    location: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts an auditor should read that are not tampering
    runs: int = 0
    files: int = 0
    signed: int = 0
    head: dict[str, Any] | None = None
    seals: dict[int, dict[str, Any]] = field(default_factory=dict)  # seq -> parsed seal (readable ones)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    sink: Sink,
    expect_head: str | None = None,
    *,
    verifier: Verifier | None = None,
    anchor: Sink | None = None,
) -> Verification:
    result = Verification(sink.location)
    keys = sink.list()
    seal_keys = {int(m.group(1)): k for k in keys if (m := SEAL_RE.match(k))}
    sig_seqs = {int(m.group(1)) for k in keys if (m := SIG_RE.match(k))}
    run_files = _run_files(keys)
    _check_other_keys(result, keys)
    _check_versions(sink, result)
    raw = _read_seals(sink, result, seal_keys)
    _check_chain(result, raw)
    sealed_files = _check_files(sink, result, run_files)
    _check_unsealed(sink, result, run_files, sealed_files)
    _check_signatures(sink, result, raw, sig_seqs, verifier)
    if anchor is not None:
        anchors.check(anchor, raw, result.problems, result.notes)
    _check_head(result, raw, expect_head)
    result.runs = len(result.seals)
    return result


def _run_files(keys: list[str]) -> dict[str, set[str]]:
    runs: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        if m := RUN_FILE_RE.match(key):
            runs[m.group(1)].add(key)
    return runs


def _check_other_keys(result: Verification, keys: list[str]) -> None:
    for key in keys:
        if not SEAL_RE.match(key) and not SIG_RE.match(key) and not RUN_FILE_RE.match(key):
            result.problems.append(f"{key}: not part of the evidence layout (added)")


def _check_versions(sink: Sink, result: Verification) -> None:
    """S3 keeps every version: an object written twice, or hidden by a delete marker, is tampering even
    when the current version looks right (verify reads current versions only)."""
    history = getattr(sink, "version_problems", None)
    if history is not None:
        result.problems += history()


def _parse_seal(data: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The seal as a dict with the fields verify reads, or why it is not one."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None, "not valid JSON (edited)"
    if not isinstance(doc, dict):
        return None, "not a seal: not a JSON object (edited)"
    if not isinstance(doc.get("seq"), int) or not isinstance(doc.get("run_id"), str):
        return None, "not a seal: seq or run_id missing or of the wrong type (edited)"
    files = doc.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return None, "not a seal: files is not a map of path to digest (edited)"
    previous = doc.get("previous")
    if previous is not None and not (isinstance(previous, dict) and isinstance(previous.get("sha256"), str)):
        return None, "not a seal: previous is not a seal reference (edited)"
    return doc, None


def _read_seals(sink: Sink, result: Verification, seal_keys: dict[int, str]) -> dict[int, bytes]:
    raw: dict[int, bytes] = {}
    for seq, key in sorted(seal_keys.items()):
        try:
            data = sink.get(key)
        except SinkError as exc:
            result.problems.append(f"{key}: unreadable: {exc}")
            continue
        raw[seq] = data
        doc, why = _parse_seal(data)
        if doc is None:
            result.problems.append(f"{key}: {why}")
            continue
        if doc["seq"] != seq:
            result.problems.append(
                f"{key}: holds the seal of run #{doc['seq']} ({doc['run_id']}), not #{seq} (reordered)"
            )
        result.seals[seq] = doc
    return raw


def _check_chain(result: Verification, raw: dict[int, bytes]) -> None:
    """Every number from 1 to the head is present, and each seal names the digest of the one before."""
    if not raw:
        return
    for seq in range(1, max(raw) + 1):
        if seq not in raw:
            result.problems.append(f"{seal_key(seq)}: missing: run #{seq} was deleted from the chain")
            continue
        doc = result.seals.get(seq)
        if doc is None:
            continue
        previous = doc.get("previous")
        want = sha256(raw[seq - 1]) if seq - 1 in raw else None
        if seq == 1 and previous is not None:
            result.problems.append(
                f"{seal_key(1)}: the first seal links to a predecessor (runs before it deleted)"
            )
        elif seq > 1 and want is not None and (previous or {}).get("sha256") != want:
            result.problems.append(
                f"{seal_key(seq)}: run #{seq} ({doc.get('run_id')}) links to a predecessor whose digest does not "
                f"match {seal_key(seq - 1)} (edited, replaced or reordered)"
            )


def _check_files(sink: Sink, result: Verification, run_files: dict[str, set[str]]) -> set[str]:
    """Each sealed file exists with its digest, under its own run's directory."""
    sealed: set[str] = set()
    for seq, doc in sorted(result.seals.items()):
        run_id = doc["run_id"]
        for key, digest in doc["files"].items():
            sealed.add(key)
            if not key.startswith(f"runs/{run_id}/"):
                result.problems.append(f"{seal_key(seq)}: lists {key}, outside run {run_id} (edited)")
            parts = key.split("/")
            if len(parts) < 3 or key not in run_files.get(parts[1], set()):
                result.problems.append(f"{key}: missing (deleted) — sealed by run #{seq} ({run_id})")
                continue
            result.files += 1
            try:
                data = sink.get(key)
            except SinkError as exc:
                result.problems.append(f"{key}: unreadable: {exc}")
                continue
            if sha256(data) != digest:
                result.problems.append(
                    f"{key}: content does not match its digest in run #{seq} ({run_id}) (edited or swapped)"
                )
        if isinstance(doc.get("recovery"), dict):
            result.notes.append(_recovery_note(seq, doc))
    return sealed


def _recovery_note(seq: int, doc: dict[str, Any]) -> str:
    rec = doc["recovery"]
    intents = rec.get("intents") or []
    return (
        f"run {doc['run_id']} died unsealed ({rec.get('tasks_recorded', 0)} task record(s), {len(intents)} intent "
        f"record(s){': ' + ', '.join(map(str, intents[:5])) if intents else ''}); closed as #{seq} by run "
        f"{rec.get('closed_by')}"
    )


def _check_unsealed(
    sink: Sink, result: Verification, run_files: dict[str, set[str]], sealed: set[str]
) -> None:
    sealed_runs = {doc["run_id"] for doc in result.seals.values()}
    for run_id, files in sorted(run_files.items()):
        if run_id not in sealed_runs:
            result.problems.append(_unsealed_problem(sink, run_id, files))
            continue
        for key in sorted(files - sealed):
            result.problems.append(f"{key}: not in the run's seal (added after the run)")


def _unsealed_problem(sink: Sink, run_id: str, files: set[str]) -> str:
    """An unsealed run, with what it was about to change: its intent records (write-ahead)."""
    from soc2ctl.evidence.recovery import intent_keys

    intents = intent_keys(sink, files)
    tasks = sum(count_records(f) for f in files if is_task_file(f))
    what = f"{tasks} task record(s), {len(intents)} intent record(s)"
    if intents:
        what += ": " + ", ".join(intents[:5]) + (" …" if len(intents) > 5 else "")
    return (
        f"runs/{run_id}: not sealed by any chain entry (the run died before it ended, or its seal was "
        f"deleted; {what}); the next apply closes it with a recovery record"
    )


def _check_signatures(
    sink: Sink, result: Verification, raw: dict[int, bytes], sig_seqs: set[int], verifier: Verifier | None
) -> None:
    """With a trusted key, every seal must carry a signature that key made over the seal's digest."""
    for seq in sorted(sig_seqs - set(raw)):
        result.problems.append(f"{sig_key(seq)}: a signature without its seal (seal deleted)")
    if verifier is None:
        if sig_seqs:
            result.notes.append(
                f"{len(sig_seqs)} seal signature(s) present but not checked: give --public-key or --sign-key"
            )
        return
    for seq, data in sorted(raw.items()):
        if seq not in sig_seqs:
            result.problems.append(
                f"{seal_key(seq)}: not signed (signatures are required with {verifier.key_id})"
            )
            continue
        try:
            signature = json.loads(sink.get(sig_key(seq)))
        except (SinkError, ValueError, RecursionError):
            signature = None
        if not isinstance(signature, dict) or not verifier.valid(seal_message(sha256(data)), signature):
            result.problems.append(
                f"{seal_key(seq)}: signature does not verify with {verifier.key_id} (seal rewritten, or "
                "signed with another key)"
            )
        else:
            result.signed += 1


def _check_head(result: Verification, raw: dict[int, bytes], expect_head: str | None) -> None:
    if raw:
        seq = max(raw)
        result.head = {
            "seq": seq,
            "sha256": sha256(raw[seq]),
            "run_id": result.seals.get(seq, {}).get("run_id"),
        }
    if expect_head:
        want = expect_head.removeprefix("sha256:")
        if not any(sha256(data) == want for data in raw.values()):  # a grown chain still holds it
            result.problems.append(
                f"expected head sha256:{want} is not in the chain (runs deleted at the end)"
            )
