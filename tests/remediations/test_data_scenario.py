"""Issue #14's scenario for the data controls, with every data seed at once (as the sandbox has them): the
plan of a drifted account names exactly the drifted resources, apply fixes the fixable ones (the bucket
policy keeps its other statement) and leaves the rest as detect, and the next plan converges."""

import importlib
import json

import pytest

from soc2ctl_sandbox import seed
from soc2ctl_sandbox.seed import SeedClients, create_organization
from tests.helpers import ModuleRun
from tests.remediations.test_contract import LAYOUT

SEEDS = (
    "s3_bucket_encryption", "s3_bucket_versioning", "s3_bucket_tls_only", "s3_bucket_public_access_block",
    "s3_bucket_access_logging", "dynamodb_pitr", "dynamodb_deletion_protection", "secrets_rotation",
    "acm_certificate_expiry", "log_group_encryption", "sns_topic_encryption", "sqs_queue_encryption",
)  # fmt: skip


def expected(d: str) -> dict[str, tuple[str, set[str]]]:
    """control -> (planned action, the resources named) in the drifted account, with the baseline's defaults."""
    region = f"us-east-1:{d}"
    return {
        "s3-bucket-encryption": ("update", {f"arn:aws:s3:::app-encryption-{d}-us-east-1"}),
        "s3-bucket-versioning": ("update", {f"arn:aws:s3:::app-versioning-{d}-us-east-1"}),
        "s3-bucket-tls-only": ("update", {f"arn:aws:s3:::app-tls-only-{d}-us-east-1"}),
        "s3-bucket-public-access-block": ("update", {f"arn:aws:s3:::app-public-access-block-{d}-us-east-1"}),
        "s3-bucket-access-logging": ("detect", {f"arn:aws:s3:::app-access-logging-{d}-us-east-1"}),
        "dynamodb-pitr": ("update", {f"arn:aws:dynamodb:{region}:table/orders"}),
        "dynamodb-deletion-protection": ("update", {f"arn:aws:dynamodb:{region}:table/sessions"}),
        "secrets-rotation": ("detect", {"app/api-key"}),
        "log-group-encryption": ("detect", {f"arn:aws:logs:{region}:log-group:/soc2/plain"}),
        "sns-topic-encryption": ("detect", {f"arn:aws:sns:{region}:notifications"}),
        "sqs-queue-encryption": ("update", {f"arn:aws:sqs:{region}:legacy-jobs"}),
        "acm-certificate-expiry": ("detect", {"old.example.com"}),
    }


def named(result) -> set[str]:
    """The resources a plan names: ARNs, with secrets and certificates by their name or domain."""
    found = set()
    for change in result.changes:
        arn = change.keys[0]
        state = result.observed[arn]
        found.add(
            state.get("domain") or (arn.split(":secret:")[1].rsplit("-", 1)[0] if ":secret:" in arn else arn)
        )
    return found


@pytest.mark.usefixtures("aws")
def test_drifted_account_plans_exactly_its_resources_applies_and_converges(monkeypatch):
    ids = create_organization(None, LAYOUT)  # type: ignore[arg-type]
    files = [importlib.import_module(f"soc2ctl_sandbox.seeds.{name}") for name in SEEDS]
    monkeypatch.setattr(seed, "_seeders", lambda: [(f.SCOPE, f.seed) for f in files])
    seed.seed_settings(None, ids, LAYOUT, regions=("us-east-1",))
    d = ids["d"]
    for control, (action, resources) in expected(d).items():
        params = {"include_unused": True} if control == "acm-certificate-expiry" else {}
        run = ModuleRun(control, params, d)
        planned = run.plan()
        assert (planned.action, named(planned)) == (action, resources), (control, planned.error)
        assert ModuleRun(control, params, ids["c"]).plan().action == "no-op", control
        applied = run.apply()
        assert applied.status == ("changed" if action == "update" else "out-of-state"), (
            control,
            applied.error,
        )
        assert run.plan().action == ("no-op" if action == "update" else "detect"), control
    s3 = SeedClients(None).client(d, "s3", "us-east-1")
    policy = json.loads(s3.get_bucket_policy(Bucket=f"app-tls-only-{d}-us-east-1")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["AppRoleReads", "DenyInsecureTransport"]
