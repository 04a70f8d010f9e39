"""`evidence verify`: recompute every digest and walk the chain, naming every file or run that was edited,
deleted, added or reordered.

The check uses nothing but the store itself. What it cannot see on its own is the removal of the newest
run together with its seal (the chain then simply ends earlier); `expect_head` closes that gap with a head
digest recorded elsewhere (the apply's output, a ticket), and S3 Object Lock prevents it in the first place.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from soc2ctl.evidence.chain import RUN_FILE_RE, SEAL_RE, seal_key, sha256
from soc2ctl.evidence.sinks import Sink, SinkError


@dataclass
class Verification:
    location: str
    problems: list[str] = field(default_factory=list)
    runs: int = 0
    files: int = 0
    head: dict[str, Any] | None = None
    seals: dict[int, dict[str, Any]] = field(default_factory=dict)  # seq -> parsed seal (readable ones)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(sink: Sink, expect_head: str | None = None) -> Verification:
    result = Verification(sink.location)
    keys = sink.list()
    seal_keys = {int(m.group(1)): k for k in keys if (m := SEAL_RE.match(k))}
    run_files = _run_files(keys)
    _check_other_keys(result, keys)
    raw = _read_seals(sink, result, seal_keys)
    _check_chain(result, raw)
    sealed_files = _check_files(sink, result, run_files)
    _check_unsealed(result, run_files, sealed_files)
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
        if not SEAL_RE.match(key) and not RUN_FILE_RE.match(key):
            result.problems.append(f"{key}: not part of the evidence layout (added)")


def _read_seals(sink: Sink, result: Verification, seal_keys: dict[int, str]) -> dict[int, bytes]:
    raw: dict[int, bytes] = {}
    for seq, key in sorted(seal_keys.items()):
        try:
            data = sink.get(key)
        except SinkError as exc:
            result.problems.append(f"{key}: unreadable: {exc}")
            continue
        raw[seq] = data
        try:
            doc = json.loads(data)
        except ValueError:
            result.problems.append(f"{key}: not valid JSON (edited)")
            continue
        if doc.get("seq") != seq:
            result.problems.append(
                f"{key}: holds the seal of run #{doc.get('seq')} ({doc.get('run_id')}), not #{seq} (reordered)"
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
        run_id = doc.get("run_id")
        for key, digest in (doc.get("files") or {}).items():
            sealed.add(key)
            if not key.startswith(f"runs/{run_id}/"):
                result.problems.append(f"{seal_key(seq)}: lists {key}, outside run {run_id} (edited)")
            if key not in run_files.get(key.split("/")[1], set()):
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
    return sealed


def _check_unsealed(result: Verification, run_files: dict[str, set[str]], sealed: set[str]) -> None:
    sealed_runs = {doc.get("run_id") for doc in result.seals.values()}
    for run_id, files in sorted(run_files.items()):
        if run_id not in sealed_runs:
            result.problems.append(
                f"runs/{run_id}: not sealed by any chain entry (the run was killed before it ended, or its "
                "seal was deleted)"
            )
            continue
        for key in sorted(files - sealed):
            result.problems.append(f"{key}: not in the run's seal (added after the run)")


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
