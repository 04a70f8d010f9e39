"""Evidence: the hash chain and its tamper detection, the S3 Object Lock sink, masking, the report's drift
windows. Runs are written with the real writer from real task results (in-process moto)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import boto3
import pytest

from soc2ctl.engine.executor import TaskResult
from soc2ctl.errors import UserError
from soc2ctl.evidence import chain
from soc2ctl.evidence.records import canonical_bytes, run_metadata
from soc2ctl.evidence.report import build_report
from soc2ctl.evidence.sinks import LocalSink, SinkError, open_sink
from soc2ctl.evidence.verify import verify
from soc2ctl.evidence.writer import EvidenceFailed, EvidenceWriter
from tests.helpers import ModuleRun, member_client

SECRET_PATTERNS = [
    re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),  # access key ids
    re.compile(r"FwoGZXIvYXdz|IQoJb3JpZ2lu|FQoGZXIvYXdz"),  # STS session token prefixes (AWS, moto)
    re.compile(r'"(?:testing|hunter2)"'),  # the test credentials, a planted password
    re.compile(
        r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*\d)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
    ),
]


def secret_hits(root: Path) -> list[str]:
    """Every credential-looking string in every file under root (empty = clean)."""
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text()
            hits += [f"{path}: {m.group(0)}" for pattern in SECRET_PATTERNS for m in pattern.finditer(text)]
    return hits


def write_run(sink, results: list[TaskResult], kind: str = "plan", run_id: str | None = None, approval=None):
    """One run's bundle through the real writer."""
    run_id = run_id or f"20250101T00000{len(chain.seal_numbers(sink))}Z-{kind}"
    writer = EvidenceWriter(sink, run_id, kind)
    meta = run_metadata(
        kind=kind,
        run_id=run_id,
        caller={"Arn": "arn:aws:iam::123456789012:user/auditor", "Account": "123456789012"},
        sources={"playbook": {"path": "pb.yml", "sha256": "0" * 64}, "inventory": None},
        controls=[{"id": "ebs-default-encryption", "criteria": ["CC6.1"], "exceptions": []}],
        accounts=[],
        plan_sha256=None,
        approval=approval,
    )
    writer.begin(meta)
    writer.record_all(results)
    writer.finish()
    return writer


@pytest.fixture
def ebs(org):
    return ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"])


@pytest.fixture
def store(tmp_path, ebs):
    """Three sealed runs: plan (out of state), apply (fixed), plan (in state)."""
    sink = LocalSink(tmp_path / "evidence")
    write_run(sink, [ebs.plan()], "plan")
    write_run(
        sink, [ebs.apply()], "apply", approval={"ref": "CHG-1", "approver": "arn:x", "plan_sha256": "s"}
    )
    write_run(sink, [ebs.plan()], "plan")
    return sink


def run_dirs(sink: LocalSink) -> list[Path]:
    seals = [json.loads(sink.get(chain.seal_key(n))) for n in chain.seal_numbers(sink)]
    return [sink.root / "runs" / s["run_id"] for s in seals]


def writable(path: Path) -> None:
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        p.chmod(0o755 if p.is_dir() else 0o644)


# ---------------------------------------------------------------- chain and tampering


def test_clean_store_verifies(store):
    result = verify(store)
    assert result.ok, result.problems
    assert result.runs == 3 and result.files == 3 * 3
    seals = [json.loads(store.get(chain.seal_key(n))) for n in (1, 2, 3)]
    assert seals[0]["previous"] is None
    assert seals[1]["previous"]["sha256"] == chain.sha256(store.get(chain.seal_key(1)))
    assert seals[2]["previous"]["run_id"] == seals[1]["run_id"]


def test_files_are_written_once(store):
    key = next(k for k in store.list() if "/tasks/" in k)
    with pytest.raises(SinkError):
        store.put(key, b"{}")


def test_editing_one_byte_of_a_record_is_named(store):
    record = run_dirs(store)[1] / "tasks" / "000001.json"
    writable(record)
    data = bytearray(record.read_bytes())
    data[data.index(b'"changed"') + 1] ^= 0x20  # "changed" -> "Changed"
    record.write_bytes(bytes(data))
    result = verify(store)
    assert not result.ok
    rel = record.relative_to(store.root).as_posix()
    assert [p for p in result.problems if p.startswith(rel)] == [
        f"{rel}: content does not match its digest in run #2 ({record.parent.parent.name}) (edited or swapped)"
    ]


def test_deleting_a_run_is_named(store):
    victim = run_dirs(store)[1]
    writable(victim)
    shutil.rmtree(victim)
    result = verify(store)
    assert not result.ok
    assert any(f"runs/{victim.name}/run.json: missing (deleted)" in p for p in result.problems)


def test_deleting_a_run_with_its_seal_breaks_the_chain(store):
    victim = run_dirs(store)[1]
    writable(victim)
    shutil.rmtree(victim)
    (store.root / chain.seal_key(2)).unlink()
    result = verify(store)
    assert "chain/00000002.json: missing: run #2 was deleted from the chain" in result.problems


def test_swapping_two_runs_is_named(store):
    first, second = run_dirs(store)[:2]
    tmp = first.with_name("swap")
    first.rename(tmp)
    second.rename(first)
    tmp.rename(second)
    result = verify(store)
    assert not result.ok
    named = " ".join(result.problems)
    assert f"runs/{first.name}/run.json" in named and f"runs/{second.name}/run.json" in named


def test_swapping_two_seals_is_reported_as_reordered(store):
    one, two = store.root / chain.seal_key(1), store.root / chain.seal_key(2)
    tmp = one.with_name("tmp.json")
    one.rename(tmp)
    two.rename(one)
    tmp.rename(two)
    result = verify(store)
    assert any(p.startswith("chain/00000001.json: holds the seal of run #2") for p in result.problems)
    assert any(p.startswith("chain/00000002.json: holds the seal of run #1") for p in result.problems)


def test_added_file_and_unsealed_run_are_named(store, tmp_path):
    extra = run_dirs(store)[0] / "tasks" / "000099.json"
    writable(extra.parent)
    extra.write_text("{}")
    (store.root / "runs" / "20990101T000000Z-dead").mkdir()
    (store.root / "runs" / "20990101T000000Z-dead" / "run.json").write_text("{}")
    problems = verify(store).problems
    assert any(
        p.startswith(extra.relative_to(store.root).as_posix() + ": not in the run's seal") for p in problems
    )
    assert any(p.startswith("runs/20990101T000000Z-dead: not sealed") for p in problems)


def test_expect_head_catches_a_truncated_chain(store):
    head = verify(store).head["sha256"]
    (store.root / chain.seal_key(3)).unlink()
    run = run_dirs(store)  # the third run dir is now unsealed, the chain ends at #2
    assert len(run) == 2
    assert any("expected head" in p for p in verify(store, expect_head=head).problems)


def test_concurrent_seals_get_distinct_numbers(tmp_path):
    sink = LocalSink(tmp_path / "ev")
    original = sink.put_new
    raced = []

    def racing_put_new(key, data):
        if key == chain.seal_key(1) and not raced:  # another run seals #1 first
            raced.append(key)
            original(key, canonical_bytes({"seq": 1, "run_id": "other", "previous": None}))
        original(key, data)

    sink.put_new = racing_put_new
    sealed = chain.seal(sink, run_id="mine", kind="plan", files={})
    assert sealed["seq"] == 2
    assert json.loads(sink.get(chain.seal_key(2)))["previous"]["run_id"] == "other"


# ---------------------------------------------------------------- records and masking


def test_task_records_hold_before_desired_actions_after(store):
    apply_dir = run_dirs(store)[1]
    record = json.loads((apply_dir / "tasks" / "000001.json").read_text())
    assert record["observed"] == {"enabled": False}
    assert record["desired"] == {"enabled": True}
    assert record["verified"] == {"enabled": True}
    assert record["changes"] == [{"path": "enabled", "before": False, "after": True}]
    assert [a["action"] for a in record["actions"]] == ["ec2:EnableEbsEncryptionByDefault"]
    assert all(a["request_id"] for a in record["actions"])
    assert (record["status"], record["state_before"], record["state_after"]) == ("changed", "out", "in")
    meta = json.loads((apply_dir / "run.json").read_text())
    assert meta["approval"]["ref"] == "CHG-1" and meta["caller"]["arn"].endswith(":user/auditor")


def test_no_secret_reaches_evidence(tmp_path, ebs):
    result = ebs.plan()
    result.observed = {
        "enabled": False,
        "db_password": "hunter2",
        "note": "key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "SessionToken": "FwoGZXIvYXdzEJr//////////wEaDGabcdefghijklmnopqrstuvwxyz",
    }
    result.error = "failed with AKIAIOSFODNN7EXAMPLE"
    sink = LocalSink(tmp_path / "ev")
    write_run(sink, [result, ebs.apply()], "apply")
    assert secret_hits(sink.root) == []
    text = " ".join(p.read_text() for p in sink.root.rglob("*.json"))
    assert "(sensitive)" in text and "arn:aws:iam::123456789012:user/auditor" in text


# ---------------------------------------------------------------- S3 Object Lock


def test_s3_sink_writes_compliance_locked_objects(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="evidence", ObjectLockEnabledForBucket=True)
    sink = open_sink("s3://evidence/soc2", s3_client=s3, retention_days=30, writing=True)
    writer = EvidenceWriter(sink, "20250101T000000Z-s3", "plan")
    writer.begin({"kind": "plan", "run_id": "20250101T000000Z-s3"})
    writer.finish()
    keys = sink.list()
    assert keys == [
        "chain/00000001.json",
        "runs/20250101T000000Z-s3/run.json",
        "runs/20250101T000000Z-s3/summary.json",
    ]
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    for key in keys:
        head = s3.head_object(Bucket="evidence", Key=f"soc2/{key}")
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert abs((head["ObjectLockRetainUntilDate"] - expected).total_seconds()) < 120
    assert verify(sink).ok
    with pytest.raises(SinkError):  # append-only: an existing key is never replaced
        sink.put(keys[1], b"{}")


def test_s3_sink_refuses_a_bucket_without_object_lock(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="plain")
    with pytest.raises(UserError, match="Object Lock is not enabled"):
        open_sink("s3://plain/x", s3_client=s3, writing=True)


def test_writer_failure_is_raised_and_names_unrecorded_tasks(tmp_path, ebs):
    class Broken(LocalSink):
        def put(self, key, data):
            if "/tasks/" in key:
                raise SinkError("disk full")
            super().put(key, data)

    sink = Broken(tmp_path / "ev")
    writer = EvidenceWriter(sink, "20250101T000000Z-x", "apply")
    writer.begin({})
    writer.on_done(ebs.plan())
    with pytest.raises(EvidenceFailed, match=r"disk full.*apply stopped before any further change"):
        writer.finish()
    summary = json.loads((sink.root / "runs/20250101T000000Z-x/summary.json").read_text())
    assert summary["unrecorded_tasks"] == [ebs.task().key] and "disk full" in summary["stopped"]


# ---------------------------------------------------------------- report


def test_report_drift_window_and_change_approval(tmp_path, org, ebs):
    sink = LocalSink(tmp_path / "ev")
    write_run(sink, [ebs.plan()], "plan")  # out of state from the start: not drift
    write_run(
        sink, [ebs.apply()], "apply", approval={"ref": "CHG-7", "approver": "arn:a", "plan_sha256": "p"}
    )
    member_client("ec2", org["alpha"]).disable_ebs_encryption_by_default()
    write_run(sink, [ebs.plan()], "drift")
    write_run(
        sink, [ebs.apply()], "apply", approval={"ref": "CHG-8", "approver": "arn:a", "plan_sha256": "q"}
    )
    report = build_report(sink, dt.date(2000, 1, 1))
    assert report.integrity.ok
    [drift] = report.drifts
    assert drift.control == "ebs-default-encryption" and drift.account_id == org["alpha"]
    assert drift.last_in_state < drift.first_seen < drift.restored
    assert [c["approval_ref"] for c in report.changes] == ["CHG-7", "CHG-8"]
    assert report.matrix[(org["alpha"], "ebs-default-encryption")] == "restored"
    assert report.criteria["CC6.1"] == ["ebs-default-encryption"]
