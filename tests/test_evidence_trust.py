"""Evidence an attacker with write access to the store cannot rewrite unseen.

Each attack below passed plain `evidence verify` before signed seals and anchors: truncating the newest
runs, emptying the store, a renumbered and re-hashed chain, a forged approver, a rewritten last run, a
forged run appended (even with --expect-head), S3 object versions and delete markers, malformed seals.
"Plain verify" is `soc2ctl evidence verify DIR` where soc2ctl runs: $SOC2CTL_SIGN_KEY set, the default
anchor under $SOC2CTL_HOME. The threat-model table in docs/evidence.md says which configuration catches what.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.evidence import anchor as anchors
from soc2ctl.evidence import chain
from soc2ctl.evidence.records import canonical_bytes, now_iso, run_metadata
from soc2ctl.evidence.signing import KmsSigner
from soc2ctl.evidence.sinks import LocalSink, open_sink
from soc2ctl.evidence.verify import verify
from soc2ctl.evidence.writer import EvidenceWriter
from tests.helpers import ModuleRun

runner = CliRunner()
APPROVAL = {"ref": "CHG-1", "approver": "arn:aws:iam::123456789012:user/reviewer", "plan_sha256": "s"}


@pytest.fixture
def key(aws, monkeypatch) -> str:
    kms = boto3.client("kms", region_name="us-east-1")
    arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("SOC2CTL_SIGN_KEY", arn)
    return arn


def write_run(sink, results, kind: str, n: int, *, signer=None, anchor=None, approval=None) -> EvidenceWriter:
    run_id = f"20250101T00000{n}Z-{kind}"
    writer = EvidenceWriter(sink, run_id, kind, signer=signer, anchor=anchor)
    writer.begin(
        run_metadata(
            kind=kind,
            run_id=run_id,
            caller={"Arn": "arn:aws:iam::123456789012:user/ci", "Account": "123456789012"},
            sources={"playbook": {"path": "pb.yml", "sha256": "0" * 64}, "inventory": None},
            controls=[],
            accounts=[],
            plan_sha256=None,
            approval=approval,
        )
    )
    writer.record_all(results)
    writer.finish()
    return writer


@pytest.fixture
def store(tmp_path, org, key) -> LocalSink:
    """Three signed, anchored runs: plan, apply (approved by the reviewer), plan."""
    ebs = ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"])
    sink = LocalSink(tmp_path / "evidence")
    anchor = LocalSink(Path(anchors.location_for(str(sink.root))))
    signer = KmsSigner(boto3.client("kms", region_name="us-east-1"), key)
    write_run(sink, [ebs.plan()], "plan", 1, signer=signer, anchor=anchor)
    write_run(sink, [ebs.apply()], "apply", 2, signer=signer, anchor=anchor, approval=APPROVAL)
    write_run(sink, [ebs.plan()], "plan", 3, signer=signer, anchor=anchor)
    return sink


def plain_verify(store: LocalSink, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["evidence", "verify", str(store.root), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def reseal(store: LocalSink, seqs: list[int]) -> None:
    """The attacker's re-hash: recompute each seal from the files now in the store, chained to the
    (possibly rewritten) seal before it. The attacker cannot sign, so the old signatures stay."""
    writable(store.root)
    for seq in seqs:
        path = store.root / chain.seal_key(seq)
        doc = json.loads(path.read_text())
        run_dir = store.root / "runs" / doc["run_id"]
        doc["seq"] = seq
        doc["files"] = {
            p.relative_to(store.root).as_posix(): chain.sha256(p.read_bytes())
            for p in sorted(run_dir.rglob("*"))
            if p.is_file()  # records, and a plan's batches of records (.jsonl)
        }
        prev = store.root / chain.seal_key(seq - 1)
        doc["previous"] = (
            {
                "seq": seq - 1,
                "run_id": json.loads(prev.read_text())["run_id"],
                "sha256": chain.sha256(prev.read_bytes()),
            }
            if seq > 1
            else None
        )
        path.write_bytes(canonical_bytes(doc))


def delete_run(store: LocalSink, seq: int) -> None:
    writable(store.root)
    doc = json.loads((store.root / chain.seal_key(seq)).read_text())
    shutil.rmtree(store.root / "runs" / doc["run_id"])
    (store.root / chain.seal_key(seq)).unlink()
    (store.root / chain.sig_key(seq)).unlink(missing_ok=True)


def test_clean_signed_anchored_store_verifies(store):
    code, out = plain_verify(store)
    assert code == 0, out
    assert "3 run(s)" in out and "3 signature(s)" in out
    assert sorted(p.name for p in Path(anchors.location_for(str(store.root))).rglob("*.json")) == [
        "00000001.json",
        "00000002.json",
        "00000003.json",
    ]


@pytest.mark.parametrize("count", [1, 2])
def test_deleting_the_newest_runs_is_detected(store, count):
    for seq in range(3, 3 - count, -1):
        delete_run(store, seq)
    code, out = plain_verify(store)
    assert code == 1
    assert f"{chain.seal_key(3)}: anchored" in out and "missing from the store" in out


def test_emptying_the_store_is_detected(store):
    writable(store.root)
    for child in store.root.iterdir():
        shutil.rmtree(child)
    code, out = plain_verify(store)
    assert code == 1
    assert "chain/00000001.json: anchored" in out and "chain/00000003.json: anchored" in out


def test_renumbered_rehashed_chain_is_detected(store):
    delete_run(store, 2)  # the apply disappears; run 3 becomes #2 and the chain is re-hashed
    (store.root / chain.seal_key(3)).rename(store.root / chain.seal_key(2))
    (store.root / chain.sig_key(3)).rename(store.root / chain.sig_key(2))
    reseal(store, [2])
    assert verify(store).ok  # the store alone is consistent again: only signature and anchor see it
    code, out = plain_verify(store)
    assert code == 1
    assert "chain/00000002.json: signature does not verify" in out
    assert "chain/00000002.json: differs from its anchor" in out
    assert "chain/00000003.json: anchored" in out


def _rewrite_run(store: LocalSink, seq: int, edit) -> None:
    writable(store.root)
    run_id = json.loads((store.root / chain.seal_key(seq)).read_text())["run_id"]
    path = store.root / "runs" / run_id / "run.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_bytes(canonical_bytes(doc))
    reseal(store, list(range(seq, 4)))


def test_forged_approver_is_detected(store):
    _rewrite_run(store, 2, lambda d: d["approval"].update(approver="arn:aws:iam::123456789012:user/ceo"))
    assert verify(store).ok
    code, out = plain_verify(store)
    assert code == 1
    for seq in (2, 3):
        assert f"chain/0000000{seq}.json: signature does not verify" in out
        assert f"chain/0000000{seq}.json: differs from its anchor" in out


def test_rewritten_last_run_is_detected_by_the_signature_alone(store, tmp_path):
    _rewrite_run(store, 3, lambda d: d.update(kind="apply"))
    code, out = plain_verify(store, "--anchor", str(tmp_path / "no-anchor"))  # no anchor: the key alone
    assert code == 1 and "chain/00000003.json: signature does not verify" in out
    assert "note: no anchor" in out


def test_appended_forged_run_is_detected_even_past_the_expected_head(store, org):
    head = verify(store).head["sha256"]
    ebs = ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"])
    write_run(store, [ebs.plan()], "apply", 4, approval=APPROVAL)  # attacker: no key, no anchor access
    assert verify(store, expect_head=head).ok  # what --expect-head alone let through
    code, out = plain_verify(store, "--expect-head", head)
    assert code == 1
    assert "chain/00000004.json: not signed" in out and "chain/00000004.json: has no anchor" in out


def test_anchor_alone_catches_what_the_key_is_not_there_for(store, monkeypatch):
    monkeypatch.delenv("SOC2CTL_SIGN_KEY")
    delete_run(store, 3)
    code, out = plain_verify(store)
    assert code == 1 and "chain/00000003.json: anchored" in out
    assert "signature(s) present but not checked" in out


MALFORMED_SEALS = {
    "a JSON list": b"[]",
    "a number": b"5",
    "seq a string": b'{"seq": "1", "run_id": "r", "files": {}}',
    "files a list": b'{"seq": 1, "run_id": "r", "files": []}',
    "previous a string": b'{"seq": 1, "run_id": "r", "files": {}, "previous": "abc"}',
    "digest a number": b'{"seq": 1, "run_id": "r", "files": {"runs/r/run.json": 5}}',
    "deeply nested": b"[" * 100000 + b"]" * 100000,
    "not UTF-8": b"\xff\xfe{",
}


@pytest.mark.parametrize("name", sorted(MALFORMED_SEALS))
def test_malformed_seal_is_one_line_not_a_traceback(store, name):
    writable(store.root)
    (store.root / chain.seal_key(2)).write_bytes(MALFORMED_SEALS[name])
    code, out = plain_verify(store)
    assert code == 1
    assert any(line.startswith("tampered: chain/00000002.json:") for line in out.splitlines()), out


# ---------------------------------------------------------------- S3: versions and delete markers


@pytest.fixture
def s3_store(org, key):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="evidence", ObjectLockEnabledForBucket=True)
    sink = open_sink("s3://evidence/org", s3_client=s3, retention_days=30, writing=True)
    ebs = ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"])
    write_run(sink, [ebs.plan()], "plan", 1)
    write_run(sink, [ebs.apply()], "apply", 2, approval=APPROVAL)
    return s3, sink


def test_forged_record_and_seal_as_new_s3_versions_are_reported_by_version(s3_store):
    s3, sink = s3_store
    run_key = next(k for k in sink.list() if k.endswith("run.json") and "apply" in k)
    doc = json.loads(sink.get(run_key))
    doc["approval"]["approver"] = "arn:aws:iam::123456789012:user/ceo"
    s3.put_object(Bucket="evidence", Key=f"org/{run_key}", Body=canonical_bytes(doc))  # a new version
    seal = json.loads(sink.get(chain.seal_key(2)))
    seal["files"][run_key] = chain.sha256(canonical_bytes(doc))
    s3.put_object(Bucket="evidence", Key=f"org/{chain.seal_key(2)}", Body=canonical_bytes(seal))
    problems = verify(sink).problems
    for key in (run_key, chain.seal_key(2)):
        versions = s3.list_object_versions(Bucket="evidence", Prefix=f"org/{key}")["Versions"]
        line = next(p for p in problems if p.startswith(f"{key}: overwritten: 2 versions"))
        assert all(v["VersionId"] in line for v in versions)
    assert not any("does not match its digest" in p for p in problems)  # the forgery itself is consistent


def test_delete_marker_is_reported_by_key_and_version(s3_store):
    s3, sink = s3_store
    marker = s3.delete_object(Bucket="evidence", Key=f"org/{chain.seal_key(2)}")["VersionId"]
    problems = verify(sink).problems
    assert f"{chain.seal_key(2)}: hidden by delete marker {marker}" in " ".join(problems)


# ---------------------------------------------------------------- offline, with the public key only


def test_offline_verify_with_the_exported_public_key(store, tmp_path, monkeypatch):
    pem = tmp_path / "signing.pem"
    result = runner.invoke(
        app, ["evidence", "public-key", __import__("os").environ["SOC2CTL_SIGN_KEY"], "-o", str(pem)]
    )
    assert result.exit_code == 0, result.output
    assert pem.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    monkeypatch.delenv("SOC2CTL_SIGN_KEY")
    bundle = tmp_path / "bundle"
    shutil.copytree(store.root, bundle)  # what the auditor receives
    code, out = plain_verify(LocalSink(bundle), "--public-key", str(pem))
    assert code == 0 and "3 signature(s)" in out, out
    _rewrite_run(LocalSink(bundle), 3, lambda d: d.update(kind="apply"))
    code, out = plain_verify(LocalSink(bundle), "--public-key", str(pem))
    assert code == 1 and "chain/00000003.json: signature does not verify with" in out


def test_openssl_commands_from_the_docs_verify_a_seal(store, tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    pem = tmp_path / "signing.pem"
    der = boto3.client("kms", region_name="us-east-1").get_public_key(
        KeyId=__import__("os").environ["SOC2CTL_SIGN_KEY"]
    )["PublicKey"]
    (tmp_path / "signing.der").write_bytes(der)
    subprocess.run(
        [openssl, "pkey", "-pubin", "-inform", "DER", "-in", str(tmp_path / "signing.der"), "-out", str(pem)],
        check=True,
    )
    script = (Path(__file__).parent.parent / "docs" / "verify-seal.sh").read_text()
    ok = subprocess.run(["sh", "-c", script, "sh", str(store.root), str(pem)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("Verified OK") == 3
    writable(store.root)
    (store.root / chain.seal_key(2)).write_bytes((store.root / chain.seal_key(2)).read_bytes() + b" ")
    bad = subprocess.run(
        ["sh", "-c", script, "sh", str(store.root), str(pem)], capture_output=True, text=True
    )
    assert bad.returncode != 0 and "Verification failure" in bad.stdout + bad.stderr


# ---------------------------------------------------------------- a run that died unsealed


def test_dead_run_is_reported_then_closed_by_the_next_apply(store, org, key):
    from soc2ctl.evidence import recovery

    ebs = ModuleRun("ebs-default-encryption", {"enabled": True}, org["beta"])
    planned = ebs.plan()
    dead = EvidenceWriter(store, "20250101T000009Z-apply", "apply")
    dead.begin({"kind": "apply", "run_id": dead.run_id, "started_at": now_iso()})
    dead.on_intent(planned)  # killed during the write: no task record, no summary, no seal
    code, out = plain_verify(store)
    assert code == 1
    assert "runs/20250101T000009Z-apply: not sealed" in out and "1 intent record(s)" in out
    assert planned.task.key in out

    # A plan does not close a young run of another kind (it may still be running) ...
    assert recovery.recover(store, by_run_id="x", kind="plan") == []
    # ... the next apply (holding the apply lock) does, with a signed, anchored recovery seal.
    signer = KmsSigner(boto3.client("kms", region_name="us-east-1"), key)
    anchor = LocalSink(Path(anchors.location_for(str(store.root))))
    closed = recovery.recover(
        store, by_run_id="20250101T000010Z-apply", kind="apply", signer=signer, anchor=anchor
    )
    assert [c["run_id"] for c in closed] == ["20250101T000009Z-apply"]
    seal = json.loads(store.get(chain.seal_key(4)))
    assert seal["recovery"]["closed_by"] == "20250101T000010Z-apply"
    assert seal["recovery"]["intents"] == [planned.task.key]
    assert sorted(seal["files"]) == [
        "runs/20250101T000009Z-apply/intents/000001.json",
        "runs/20250101T000009Z-apply/run.json",
    ]
    code, out = plain_verify(store)
    assert code == 0, out
    assert "note: run 20250101T000009Z-apply died unsealed (0 task record(s), 1 intent record(s)" in out
    assert "closed as #4 by run 20250101T000010Z-apply" in out


def test_s3_anchor_in_another_bucket_catches_an_appended_run(s3_store, org):
    s3, sink = s3_store
    s3.create_bucket(Bucket="anchors", ObjectLockEnabledForBucket=True)
    anchor = open_sink("s3://anchors/org", s3_client=s3, retention_days=30, writing=True)
    ebs = ModuleRun("ebs-default-encryption", {"enabled": True}, org["alpha"])
    write_run(sink, [ebs.plan()], "plan", 3, anchor=anchor)
    assert verify(sink, anchor=anchor).problems == [
        f"{chain.seal_key(n)}: has no anchor in s3://anchors/org/ (appended to the store afterwards, or the run "
        "failed to anchor it)"
        for n in (1, 2)
    ]
    write_run(
        sink, [ebs.plan()], "apply", 4, approval=APPROVAL
    )  # the attacker cannot write the anchor bucket
    assert any(
        p.startswith("chain/00000004.json: has no anchor") for p in verify(sink, anchor=anchor).problems
    )
    head = s3.head_object(Bucket="anchors", Key="org/anchors/00000003.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
