"""Issue #14's scenario on one moto organization seeded with every data and compute seed at once (as the
sandbox has them): unencrypted and unversioned buckets, a bucket policy with another statement, DynamoDB tables
without PITR or deletion protection, a secret without rotation, an RDS database with no backups and public
access, a public snapshot, a security group open to the world on 22, and more. For each control, the plan of
the drifted account names exactly the drifted resources (and the compliant account's plans nothing); apply
fixes the fixable ones with the baseline's defaults (the bucket policy keeps its other statement) and leaves
the rest as detect (revoking the open security group is opt-in); the next plan converges."""

import importlib
import json

import pytest

from soc2ctl_sandbox import seed
from soc2ctl_sandbox.seed import SeedClients, create_organization
from tests.helpers import ModuleRun
from tests.remediations.test_contract import LAYOUT

DATA_SEEDS = (
    "s3_bucket_encryption", "s3_bucket_versioning", "s3_bucket_tls_only", "s3_bucket_public_access_block",
    "s3_bucket_access_logging", "dynamodb_pitr", "dynamodb_deletion_protection", "secrets_rotation",
    "acm_certificate_expiry", "log_group_encryption", "sns_topic_encryption", "sqs_queue_encryption",
)  # fmt: skip
COMPUTE_SEEDS = (
    "rds_backup_retention", "rds_deletion_protection", "rds_public_access", "rds_storage_encryption",
    "rds_snapshot_public", "rds_multi_az", "ec2_imdsv2_instances", "ebs_volume_encryption", "ec2_public_ami",
    "security_group_admin_ports", "ec2_ssm_managed",
)  # fmt: skip
PARAMS = {
    "rds-backup-retention": {"min_retention_days": 7},
    "acm-certificate-expiry": {"include_unused": True},
}


def expected_data(d: str) -> dict[str, tuple[str, set[str]]]:
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


def expected_compute(d: str, ec2) -> dict[str, tuple[str, set[str]]]:
    """control -> (planned action, the resources named) in the drifted account."""
    arn = f"arn:aws:ec2:us-east-1:{d}"
    db = f"arn:aws:rds:us-east-1:{d}:db:app-db"
    (instance,) = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    volumes = {f"{arn}:volume/{v['VolumeId']}" for v in ec2.describe_volumes()["Volumes"]}
    (image,) = ec2.describe_images(Owners=["self"])["Images"]
    bastion = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["bastion"]}])
    server = f"{arn}:instance/{instance['InstanceId']}"
    return {
        "rds-backup-retention": ("update", {db}),
        "rds-deletion-protection": ("update", {db}),
        "rds-public-access": ("update", {db}),
        "rds-storage-encryption": ("detect", {db}),
        "rds-snapshot-public": ("update", {f"arn:aws:rds:us-east-1:{d}:snapshot:app-db-before-migration"}),
        "rds-multi-az": ("detect", {db}),
        "ec2-imdsv2-instances": ("detect", {server}),
        "ebs-volume-encryption": ("detect", volumes),
        "ec2-public-ami": ("update", {f"{arn}:image/{image['ImageId']}"}),
        "security-group-admin-ports": (
            "detect",
            {f"{arn}:security-group/{bastion['SecurityGroups'][0]['GroupId']}"},
        ),
        "ec2-ssm-managed": ("detect", {server}),
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
    files = [importlib.import_module(f"soc2ctl_sandbox.seeds.{name}") for name in DATA_SEEDS + COMPUTE_SEEDS]
    monkeypatch.setattr(seed, "_seeders", lambda: [(f.SCOPE, f.seed) for f in files])
    seed.seed_settings(None, ids, LAYOUT, regions=("us-east-1",))
    d = ids["d"]
    clients = SeedClients(None)
    wanted = expected_data(d) | expected_compute(d, clients.client(d, "ec2", "us-east-1"))
    assert len(wanted["ebs-volume-encryption"][1]) == 1  # the instance's unencrypted root volume
    for control, (action, resources) in wanted.items():
        params = PARAMS.get(control, {})
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
    policy = clients.client(d, "s3", "us-east-1").get_bucket_policy(Bucket=f"app-tls-only-{d}-us-east-1")
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == [
        "AppRoleReads",
        "DenyInsecureTransport",
    ]
    (db,) = clients.client(d, "rds", "us-east-1").describe_db_instances()["DBInstances"]
    assert (db["BackupRetentionPeriod"], db["DeletionProtection"], db["PubliclyAccessible"]) == (
        7,
        True,
        False,
    )
