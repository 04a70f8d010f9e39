"""Fault injection: transient faults never change a result; a broken account never hides the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc2ctl.engine.plan import plan_document
from soc2ctl.run.builder import prepare_run
from tests.faults import throttle, time_out_assume_role
from tests.helpers import create_org, deny, member_client

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
