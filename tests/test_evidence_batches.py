"""A plan's task records, many to a file (soc2ctl.evidence.batches): sealed, verified, read back by the
report, and tampering inside a batch is named. Written by the real writer from real task results."""

from __future__ import annotations

import json
import queue

import pytest

from soc2ctl.evidence import batches, chain
from soc2ctl.evidence.report import load_runs
from soc2ctl.evidence.sinks import LocalSink, SinkError
from soc2ctl.evidence.verify import verify
from soc2ctl.evidence.writer import EvidenceFailed, EvidenceWriter
from tests.helpers import ModuleRun

RUN_ID = "20250101T000000Z-batch"


@pytest.fixture
def results(org):
    """Five plan results in three accounts' regions (real reads through in-process moto)."""
    found = []
    for name in ("alpha", "beta", "gamma"):
        for region in ("us-east-1", "eu-west-1"):
            found.append(ModuleRun("ebs-default-encryption", {"enabled": True}, org[name], region).plan())
    return found[:5]


def plan_run(sink, results, monkeypatch, per_file: int) -> EvidenceWriter:
    monkeypatch.setattr(batches, "BATCH_MAX_RECORDS", per_file)
    writer = EvidenceWriter(sink, RUN_ID, "plan")
    writer.begin({"kind": "plan", "run_id": RUN_ID})
    writer.record_all(results)
    writer.finish()
    return writer


def test_plan_records_are_batched_sealed_and_read_back(tmp_path, results, monkeypatch):
    sink = LocalSink(tmp_path / "ev")
    writer = plan_run(sink, results, monkeypatch, per_file=2)
    task_files = sorted(k for k in sink.list() if batches.is_task_file(k))
    assert all(k.endswith(".jsonl") and batches.count_records(k) <= 2 for k in task_files)
    assert sum(batches.count_records(k) for k in task_files) == 5
    seqs = [r["seq"] for k in task_files for r in batches.read_records(sink, k)]
    assert seqs == [1, 2, 3, 4, 5]  # the names' ranges are the records' sequence numbers
    seal = json.loads(sink.get(chain.seal_key(1)))
    assert set(task_files) <= set(seal["files"])
    result = verify(sink)
    assert result.ok, result.problems
    (run,) = load_runs(sink, result)
    assert sorted(r["key"] for r in run["records"]) == sorted(r.task.key for r in results)
    assert json.loads(sink.get(chain.run_key(RUN_ID, "summary.json")))["tasks"] == 5
    assert len(writer.records) == 5


def test_a_record_removed_from_a_batch_is_named(tmp_path, results, monkeypatch):
    sink = LocalSink(tmp_path / "ev")
    plan_run(sink, results, monkeypatch, per_file=1000)
    (key,) = [k for k in sink.list() if batches.is_task_file(k)]
    path = sink.root / key
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 5
    path.chmod(0o644)
    path.write_bytes(b"".join(lines[:2] + lines[3:]))  # one record quietly dropped
    problems = verify(sink).problems
    assert any(p.startswith(f"{key}: content does not match its digest") for p in problems), problems


def test_a_failing_sink_leaves_the_batch_unrecorded_and_the_plan_unsealed(tmp_path, results, monkeypatch):
    class Full(LocalSink):
        def put_deferred(self, key, data):
            raise SinkError("disk full")

    sink = Full(tmp_path / "ev")
    monkeypatch.setattr(batches, "BATCH_MAX_RECORDS", 1000)
    writer = EvidenceWriter(sink, RUN_ID, "plan")
    writer.begin({})
    writer.record_all(results)
    with pytest.raises(EvidenceFailed, match=r"disk full.*the plan is unrecorded"):
        writer.finish()
    assert sorted(writer.unrecorded) == sorted(r.task.key for r in results)


def test_count_records_reads_the_range_from_the_name():
    assert batches.count_records("runs/r/tasks/000001-000421.jsonl") == 421
    assert batches.count_records("runs/r/tasks/000007.json") == 1
    assert batches.parse_records("runs/r/tasks/000001-000002.jsonl", b'{"a":1}\n{"a":2}\n') == [
        {"a": 1},
        {"a": 2},
    ]
    with pytest.raises(ValueError):
        batches.parse_records("runs/r/tasks/000001-000002.jsonl", b'{"a":1}\nnot json\n')


def test_gather_takes_what_is_queued_up_to_the_maximum_and_stops_at_the_end(monkeypatch):
    monkeypatch.setattr(batches, "BATCH_MAX_RECORDS", 3)
    source: queue.SimpleQueue = queue.SimpleQueue()
    for item in range(5):
        source.put(item)
    source.put(None)
    assert batches.gather(source) == ([0, 1, 2], False)  # the maximum
    assert batches.gather(source) == ([3, 4], True)  # the end, with what came before it


def test_gather_writes_after_the_window_without_waiting_for_more(monkeypatch):
    monkeypatch.setattr(batches, "BATCH_WINDOW_S", 0.05)
    source: queue.SimpleQueue = queue.SimpleQueue()
    source.put("first")
    assert batches.gather(source) == (["first"], False)  # nothing else arrives: the window closes it
