"""Fault injection: transient faults never change a result; a broken account never hides the others."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from soc2ctl.engine.plan import plan_document
from soc2ctl.run.builder import prepare_run
from tests.faults import lose_write_responses, throttle, time_out_assume_role
from tests.helpers import OPT_IN_VARS, create_org, deny, member_client

PLAYBOOK = """\
name: faults
controls:
  - {id: iam-password-policy, remediation: iam-password-policy}
  - {id: s3-account-public-access-block, remediation: s3-account-public-access-block}
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
  - {id: guardduty-org, remediation: guardduty-detector}
"""
INVENTORY = "organization: {discover: true}\nregions: [us-east-1, eu-west-1]\n"


@pytest.fixture
def files(tmp_path: Path, aws) -> dict:
    ids = create_org(None, ["alpha", "beta", "gamma", "delta"])
    member_client("ec2", ids["alpha"]).enable_ebs_encryption_by_default()
    member_client("guardduty", ids["beta"], "eu-west-1").create_detector(Enable=True)
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return {"ids": ids, "pb": tmp_path / "pb.yml", "inv": tmp_path / "inv.yml"}


def fast_retries(run) -> None:
    policy = run.sessions.retry_policy
    policy.base_wait, policy.max_wait, policy.attempts = 0.001, 0.005, 30


def stable(doc: dict) -> list[tuple]:
    return [(t["key"], t["action"], str(t["changes"]), t["fingerprint"], t["error"]) for t in doc["tasks"]]


def plan(files: dict, inject=None) -> tuple[dict, object]:
    run = prepare_run(files["pb"], files["inv"], parallelism=8)
    fast_retries(run)
    injected = inject(run.sessions) if inject else None
    doc = plan_document(run.executor.plan(), run_id=run.run_id, **run.sources())
    return doc, injected


def test_twenty_percent_throttling_gives_the_identical_plan(files):
    clean, _ = plan(files)
    noisy, throttler = plan(files, lambda s: throttle(s, rate=0.2))
    assert throttler.injected > 10
    assert stable(noisy) == stable(clean)
    assert noisy["summary"]["error"] == 0


def test_denied_role_reports_that_account_and_completes_the_others(files):
    denied = files["ids"]["gamma"]

    def inject(sessions):
        def handler(params, **_):
            if f"::{denied}:" in params["body"].get("RoleArn", ""):
                from tests.helpers import aws_error

                return aws_error("AccessDenied", "not authorized to perform sts:AssumeRole")
            return None

        sessions.register("before-call.sts.AssumeRole", handler)

    doc, _ = plan(files, inject)
    failed = {t["account_id"] for t in doc["tasks"] if t["action"] == "error"}
    assert failed == {denied}
    assert all(t["action"] != "error" for t in doc["tasks"] if t["account_id"] != denied)
    assert sum(1 for t in doc["tasks"] if t["account_id"] == denied) == 6


def test_timed_out_role_assumption_is_bounded_and_isolated(files):
    late = files["ids"]["delta"]
    doc, seen = plan(files, lambda s: time_out_assume_role(s, late))
    errors = [t for t in doc["tasks"] if t["action"] == "error"]
    assert {t["account_id"] for t in errors} == {late}
    assert "Connect timeout" in errors[0]["error"] and f"account {late}" in errors[0]["error"]
    assert len(seen) > 1  # retried, then given up: bounded by the retry policy
    assert len([t for t in doc["tasks"] if t["action"] != "error"]) == 3 * 6


def test_non_retryable_errors_fail_at_once(files):
    run = prepare_run(files["pb"], files["inv"], parallelism=4)
    fast_retries(run)
    denied = deny(run.sessions, "ec2.GetEbsEncryptionByDefault")
    results = run.executor.plan()
    errors = [r for r in results.values() if r.action == "error"]
    assert len(errors) == 4 * 2
    assert len(denied) == 4 * 2  # one call per task: AccessDenied is never retried


# ---------------------------------------------------------------- lost write responses

BASELINE = Path(__file__).resolve().parents[1] / "playbooks" / "soc2-baseline.yml"


@pytest.fixture
def baseline_org(tmp_path: Path, aws) -> dict:
    """The shipped baseline over a small organization with an audit account and the central buckets."""
    ids = create_org(None, ["audit", "alpha"])
    s3 = boto3.client("s3", region_name="us-east-1")
    for bucket in ("soc2ctl-vpc-flow-logs-123456789012", "soc2ctl-config-123456789012"):
        s3.create_bucket(Bucket=bucket)
    (tmp_path / "inv.yml").write_text(  # the audit account administers the security services (#19)
        "organization: {discover: true, security_tooling_account: audit}\nregions: [us-east-1]\n"
        f"vars: {OPT_IN_VARS}\n"
    )
    return {"ids": {"management": "123456789012", **ids}, "inv": tmp_path / "inv.yml"}


def apply_baseline(inv: Path, inject=None) -> tuple[dict, list]:
    run = prepare_run(BASELINE, inv, parallelism=4)
    fast_retries(run)
    injected = [f(run.sessions) for f in inject or []]
    planned = run.executor.plan()
    results = run.executor.apply({k: r.fingerprint for k, r in planned.items() if r.fingerprint is not None})
    return results, injected


def customer_keys(account_id: str) -> list[dict]:
    kms = (
        member_client("kms", account_id) if account_id != "123456789012" else boto3.client("kms", "us-east-1")
    )
    metas = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    keys = [m for m in metas if m["KeyManager"] == "CUSTOMER" and m["KeyState"] == "Enabled"]
    aliases = {a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    for key in keys:
        key["aliased"] = key["KeyId"] in aliases
        key["tags"] = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
    return keys


def test_lost_write_responses_converge_without_duplicates_or_orphans(baseline_org):
    """25% throttling and 30% of write responses lost (the first call of every Create* always): the apply
    completes every task, a second apply has nothing to do, and nothing was made twice."""
    results, (throttler, lost) = apply_baseline(
        baseline_org["inv"], [lambda s: throttle(s, rate=0.25), lambda s: lose_write_responses(s, rate=0.3)]
    )
    assert throttler.injected > 20 and len(lost.lost) > 20
    assert {
        "CreateKey",
        "CreateAlias",
        "CreateLogGroup",
        "CreatePolicy",
        "CreateDetector",
        "CreateFlowLogs",
    } <= set(lost.lost)
    assert [(k, r.error) for k, r in results.items() if r.status == "failed"] == []
    assert sum(r.status == "changed" for r in results.values()) > 20
    again, _ = apply_baseline(baseline_org["inv"])
    assert {r.status for r in again.values()} <= {"ok", "out-of-state"}  # converged: nothing left to change
    assert all(r.action == "detect" for r in again.values() if r.status == "out-of-state")  # report-only

    ids = baseline_org["ids"]
    for name, account_id in ids.items():
        keys = customer_keys(account_id)
        assert keys and all(k["aliased"] for k in keys), f"orphan KMS key in {name}: {keys}"
        assert all(k["tags"].get("soc2ctl:alias") for k in keys)
        assert len(keys) == len({k["tags"]["soc2ctl:alias"] for k in keys})  # one key per alias
        for service, call, field in (
            ("guardduty", "list_detectors", "DetectorIds"),
            ("ec2", "describe_flow_logs", "FlowLogs"),
            ("backup", "list_backup_plans", "BackupPlansList"),
            ("backup", "list_backup_vaults", "BackupVaultList"),
        ):
            client = (
                member_client(service, account_id)
                if name != "management"
                else boto3.client(service, "us-east-1")
            )
            assert len(getattr(client, call)()[field]) <= 1, f"{name}: {service} {call} made twice"
    org = boto3.client("organizations", "us-east-1")
    scps = [p for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"] if not p["AwsManaged"]]
    assert len(scps) == 1
    assert len(boto3.client("cloudtrail", "us-east-1").describe_trails()["trailList"]) == 1
