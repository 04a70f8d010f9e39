"""Issue #14's scenario for the compute controls, with every compute seed at once (as the sandbox has them) and
the baseline's defaults: the plan of a drifted account names exactly its drifted database, snapshot, instance,
volume, image and open security group; apply fixes the fixable ones and leaves the rest as detect (the
security group open to the world on 22 included: revoking is opt-in); the next plan converges."""

import importlib

import pytest

from soc2ctl_sandbox import seed
from soc2ctl_sandbox.seed import SeedClients, create_organization
from tests.helpers import ModuleRun
from tests.remediations.test_contract import LAYOUT

SEEDS = (
    "rds_backup_retention", "rds_deletion_protection", "rds_public_access", "rds_storage_encryption",
    "rds_snapshot_public", "rds_multi_az", "ec2_imdsv2_instances", "ebs_volume_encryption", "ec2_public_ami",
    "security_group_admin_ports", "ec2_ssm_managed",
)  # fmt: skip
BASELINE_PARAMS = {"rds-backup-retention": {"min_retention_days": 7}}  # the others: their defaults


def expected(d: str, ec2) -> dict[str, tuple[str, set[str]]]:
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


@pytest.mark.usefixtures("aws")
def test_drifted_account_plans_exactly_its_resources_applies_and_converges(monkeypatch):
    ids = create_organization(None, LAYOUT)  # type: ignore[arg-type]
    files = [importlib.import_module(f"soc2ctl_sandbox.seeds.{name}") for name in SEEDS]
    monkeypatch.setattr(seed, "_seeders", lambda: [(f.SCOPE, f.seed) for f in files])
    seed.seed_settings(None, ids, LAYOUT, regions=("us-east-1",))
    d = ids["d"]
    ec2 = SeedClients(None).client(d, "ec2", "us-east-1")
    wanted = expected(d, ec2)
    assert len(wanted["ebs-volume-encryption"][1]) == 1  # the instance's unencrypted root volume
    for control, (action, resources) in wanted.items():
        params = BASELINE_PARAMS.get(control, {})
        run = ModuleRun(control, params, d)
        planned = run.plan()
        assert (planned.action, {c.keys[0] for c in planned.changes}) == (action, resources), (
            control,
            planned.error,
        )
        assert ModuleRun(control, params, ids["c"]).plan().action == "no-op", control
        assert ModuleRun(control, params, ids["f"]).plan().action == "no-op", control
        applied = run.apply()
        assert applied.status == ("changed" if action == "update" else "out-of-state"), (
            control,
            applied.error,
        )
        assert run.plan().action == ("no-op" if action == "update" else "detect"), control
    rds = SeedClients(None).client(d, "rds", "us-east-1")
    (db,) = rds.describe_db_instances()["DBInstances"]
    assert (db["BackupRetentionPeriod"], db["DeletionProtection"], db["PubliclyAccessible"]) == (
        7,
        True,
        False,
    )
