"""Shards, merge, shared apply and worker processes, through the real CLI on an in-process moto organization.

The claims: `plan --shard I/N` for every I, joined by `merge`, is the plan one unsharded run makes (task for
task: keys, order, actions, changes, fingerprints); the merged plan applied in shards converges; the
shards' evidence verifies as one chain; `--workers N` plans exactly what one process plans.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.errors import UserError
from soc2ctl.evidence.report import load_runs
from soc2ctl.evidence.sinks import LocalSink
from soc2ctl.evidence.verify import verify
from soc2ctl.run.lock import apply_lock, holder_info, machine_lock_dir
from soc2ctl.run.shard import Shard, parse_shard, shard_of
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import create_org, member_client

runner = CliRunner()
NAMES = ["audit", "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
# An organization task (delegated admin) with account tasks below it: the shards must agree on it.
PLAYBOOK = """\
name: shard test
hosts: all
controls:
  - id: delegated-admins
    remediation: delegated-admins
    desired: {admin_account_id: "{{ account_ids['audit'] }}", services: [guardduty], regions: [us-east-1]}
  - {id: iam-password-policy, remediation: iam-password-policy, depends_on: [delegated-admins]}
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
"""


# ---------------------------------------------------------------- the spec and the hash


def test_parse_shard_forms_and_orchestrator_indexes():
    assert parse_shard("2/3") == Shard(2, 3)
    assert parse_shard(" 0 / 1 ") == Shard(0, 1)
    assert parse_shard(None) is None
    assert parse_shard("auto/4", {"AWS_BATCH_JOB_ARRAY_INDEX": "3"}) == Shard(3, 4)
    assert parse_shard("auto/4", {"JOB_COMPLETION_INDEX": "1"}) == Shard(1, 4)


@pytest.mark.parametrize(
    ("spec", "env", "message"),
    [
        ("3/3", {}, "index must be 0..2"),
        ("1/0", {}, "count must be"),
        ("a/b", {}, "expected I/N"),
        ("auto/3", {}, "none of AWS_BATCH_JOB_ARRAY_INDEX"),
        ("auto/3", {"JOB_COMPLETION_INDEX": "x"}, "is not a shard index"),
        ("auto/3", {"JOB_COMPLETION_INDEX": "7"}, "index must be 0..2"),
    ],
)
def test_parse_shard_refuses_bad_specs(spec, env, message):
    with pytest.raises(UserError, match=message):
        parse_shard(spec, env)


def test_shard_of_is_a_stable_hash_that_spreads_accounts():
    ids = [f"{200000000000 + i:012d}" for i in range(300)]
    counts = [sum(shard_of(a, 3) == s for a in ids) for s in range(3)]
    assert all(70 < c < 130 for c in counts), counts
    assert (
        shard_of("123456789012", 3)
        == int.from_bytes(__import__("hashlib").sha256(b"123456789012").digest()[:8], "big") % 3
    )


# ---------------------------------------------------------------- end to end


@pytest.fixture
def files(aws, tmp_path: Path) -> dict[str, Path]:
    org = create_org(None, NAMES)
    for name in ("alpha", "gamma"):  # some accounts already compliant, some not
        member_client("ec2", org[name]).enable_ebs_encryption_by_default()
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(
        f'organization: {{discover: true, management_account: "{MANAGEMENT_ACCOUNT}"}}\n'
        "regions: [us-east-1, eu-west-1]\n"
    )
    return {"pb": tmp_path / "pb.yml", "inv": tmp_path / "inv.yml", "dir": tmp_path}


def plan(files: dict[str, Path], out: str, *extra: str) -> dict:
    result = runner.invoke(
        app, ["plan", str(files["pb"]), "-i", str(files["inv"]), "--out", str(files["dir"] / out), *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads((files["dir"] / out).read_text())


def merge(files: dict[str, Path], parts: list[str], out: str = "merged.json") -> tuple[int, str]:
    paths = [str(files["dir"] / p) for p in parts]
    result = runner.invoke(app, ["merge", *paths, "--out", str(files["dir"] / out)])
    return result.exit_code, result.output


def test_sharded_plans_merge_into_the_one_run_plan_and_apply_in_shards(files):
    whole = plan(files, "whole.json")
    parts = [plan(files, f"part-{i}.json", "--shard", f"{i}/3") for i in range(3)]
    assert all(p["shard"]["count"] == 3 for p in parts)
    assert sorted(len(p["tasks"]) for p in parts) != [0, 0, len(whole["tasks"])]  # really split
    assert [t["scope"] for t in parts[1]["tasks"] + parts[2]["tasks"]].count("org") == 0
    code, output = merge(files, ["part-2.json", "part-0.json", "part-1.json"])
    assert code == 0, output
    merged = json.loads((files["dir"] / "merged.json").read_text())
    assert merged["tasks"] == whole["tasks"]  # keys, order, actions, changes, fingerprints
    assert merged["summary"] == whole["summary"]
    assert {t["action"] for t in merged["tasks"]} >= {"create", "no-op"}
    shown = runner.invoke(app, ["show", str(files["dir"] / "merged.json"), "--format", "json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["tasks"] == whole["tasks"]

    # A share whose tasks depend on the organization task waits for shard 0 (changes nothing of its own
    # that depends on it, and says why).
    # moto account ids are random; shards 1 and 2 both without accounts: (1/3)^9
    early = next(i for i in (1, 2) if any(t["control"] == "iam-password-policy" for t in parts[i]["tasks"]))
    result = runner.invoke(app, ["apply", str(files["dir"] / "merged.json"), "--shard", f"{early}/3"])
    assert result.exit_code == 1
    assert "apply that shard first" in result.output or "depends on delegated-admins" in result.output
    # Locks: a whole apply of the organization holds off every shard; one shard does not hold off another.
    org_id = member_client("organizations", MANAGEMENT_ACCOUNT).describe_organization()["Organization"]["Id"]
    whole_lock = apply_lock("local", org_id, holder_info("whole-apply", "x"), 0, directory=machine_lock_dir())
    with whole_lock:
        refused = runner.invoke(app, ["apply", str(files["dir"] / "merged.json"), "--shard", "0/3"])
        assert refused.exit_code == 1 and "run whole-apply" in refused.output, refused.output
    other = holder_info("shard-2-elsewhere", "x")
    for i in range(3):
        shard_2 = apply_lock("local", org_id, other, 0, directory=machine_lock_dir(), shard="shard-2-of-3")
        with shard_2 if i < 2 else contextlib.nullcontext():  # shards 0 and 1 run beside shard 2
            result = runner.invoke(app, ["apply", str(files["dir"] / "merged.json"), "--shard", f"{i}/3"])
        assert result.exit_code == 0, result.output
    after = plan(files, "after.json")
    assert {t["action"] for t in after["tasks"]} == {"no-op"}
    verified = runner.invoke(app, ["evidence", "verify", str(files["dir"] / "evidence"), "--format", "json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["runs"] >= 9  # 5 plans + 4 share applies, one chain


def test_merge_refuses_what_is_not_one_run(files):
    for i in range(3):
        plan(files, f"part-{i}.json", "--shard", f"{i}/3")
    plan(files, "other-1.json", "--shard", "1/3", "--controls", "ebs-default-encryption")
    plan(files, "whole.json")
    assert "missing [2]" in merge(files, ["part-0.json", "part-1.json"])[1]
    assert "repeated [1]" in merge(files, ["part-0.json", "part-1.json", "part-1.json"])[1]
    assert "its run differs" in merge(files, ["part-0.json", "other-1.json", "part-2.json"])[1]
    assert "made without plan --shard" in merge(files, ["part-0.json", "whole.json", "part-2.json"])[1]
    # moto's account ids are random: edit a part that holds tasks (shard 0 always does: the org task)
    edited = json.loads((files["dir"] / "part-0.json").read_text())
    edited["tasks"][0]["action"] = "no-op" if edited["tasks"][0]["action"] != "no-op" else "create"
    (files["dir"] / "part-0.json").write_text(json.dumps(edited))
    assert "modified after it was made" in merge(files, ["part-0.json", "part-1.json", "part-2.json"])[1]
    refused = runner.invoke(app, ["apply", str(files["dir"] / "part-0.json")])
    assert refused.exit_code == 1 and "soc2ctl merge" in refused.output


def test_plan_in_worker_processes_equals_one_process(files):
    one = plan(files, "one.json", "--workers", "1")
    many = plan(files, "many.json", "--workers", "3")
    assert many["tasks"] == one["tasks"]
    assert many["summary"] == one["summary"]
    verified = runner.invoke(app, ["evidence", "verify", str(files["dir"] / "evidence")])
    assert verified.exit_code == 0, verified.output


def test_a_worker_that_fails_fails_its_own_tasks_and_no_others(files, monkeypatch):
    """The parent plans shard 0; a forked worker that breaks fails exactly its own shard's tasks, which
    are recorded in the evidence like every other task, and the chain verifies."""
    from soc2ctl.run import workers

    def broken(run, shard):  # only the forked workers narrow the run with it
        raise RuntimeError("worker broke")

    monkeypatch.setattr(workers, "restrict", broken)
    out = files["dir"] / "broken.json"
    result = runner.invoke(
        app, ["plan", str(files["pb"]), "-i", str(files["inv"]), "--out", str(out), "--workers", "3"]
    )
    assert result.exit_code == 1, result.output
    tasks = json.loads(out.read_text())["tasks"]
    for task in tasks:
        shard = 0 if task["scope"] == "org" else shard_of(task["account_id"], 3)
        broke = f"internal error: plan worker {shard} failed: RuntimeError('worker broke')"
        assert (task["error"] == broke) == (shard != 0), task
    assert any(t["error"] is None for t in tasks)
    sink = LocalSink(files["dir"] / "evidence")
    checked = verify(sink)
    assert checked.ok, checked.problems
    (run,) = load_runs(sink, checked)
    recorded = {r["key"]: r for r in run["records"]}
    assert sorted(recorded) == sorted(t["key"] for t in tasks)  # each task once, the failed ones too
    assert sum("worker broke" in json.dumps(r) for r in recorded.values()) == sum(
        t["error"] is not None for t in tasks
    )


def test_signed_plan_in_worker_processes_verifies(files):
    """--workers with --sign-key: the parent alone writes and signs the evidence, and the chain verifies
    with the key (every seal signed); the saved plan is signed too and equals a one-process plan."""
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    one = plan(files, "one.json", "--workers", "1", "--sign-key", key)
    many = plan(files, "many.json", "--workers", "3", "--sign-key", key)
    assert many["tasks"] == one["tasks"]
    evidence = str(files["dir"] / "evidence")
    verified = runner.invoke(app, ["evidence", "verify", evidence, "--sign-key", key, "--format", "json"])
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["runs"] == 2 and report["signed"] == 2, report
    # Another key does not verify them (offline, with a public key of our own: the sandbox's moto shares
    # key material between KMS keys of one spec, docs/moto-gaps.md).
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = files["dir"] / "other.pem"
    pem.write_bytes(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    wrong = runner.invoke(app, ["evidence", "verify", evidence, "--public-key", str(pem)])
    assert wrong.exit_code == 1 and "signature does not verify" in wrong.output, wrong.output


@pytest.mark.parametrize(
    ("requested", "tasks", "parallelism", "expected"),
    [
        (None, 6000, 16, 1),  # the CLI's default concurrency: one process keeps up with it
        (None, 6000, 64, 1),
        (None, 6000, 65, 2),  # a second share of the concurrency: a second core
        (None, 6000, 256, 4),
        (None, 100, 256, 2),  # but no worker with fewer than 48 tasks
        (None, 10, 256, 1),
        (3, 10, 16, 3),  # an explicit count is honoured...
        (3, 2, 16, 2),  # ...up to one task per worker
    ],
)
def test_default_workers_follow_the_concurrency_the_cores_can_use(
    monkeypatch, requested, tasks, parallelism, expected
):
    from soc2ctl.run import workers

    monkeypatch.setattr(workers, "cores", lambda: 6)
    assert workers.effective_workers(requested, tasks, parallelism) == expected


def test_an_observer_failing_on_a_workers_result_fails_the_run(files):
    """The parent's thread that reads the workers' results tells the observers (evidence); what one of
    them raises there is raised by the plan, as it would be in one process, not lost with the thread."""
    from soc2ctl.run import workers
    from soc2ctl.run.builder import prepare_run

    run = prepare_run(files["pb"], files["inv"])

    refused: list[str] = []

    def refuse(result):  # once: a later call (the tasks then reported skipped) must not raise it again
        if not refused and shard_of(result.task.account.id, 3) != 0:
            refused.append(result.task.key)
            raise RuntimeError("evidence sink refused")

    run.executor.observers.append(refuse)
    with pytest.raises(RuntimeError, match="evidence sink refused"):
        workers.plan(run, 3)
