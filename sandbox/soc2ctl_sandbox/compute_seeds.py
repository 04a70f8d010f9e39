"""The shared resources of the compute seeds: one database and one instance per seeded account.

Each RDS seed (and each EC2 instance seed) calls `app_db(ctx)` / `app_instance(ctx)`, which create the
resource on first use with every setting of the account's posture (compliant: backed up, tags copied to snapshots, protected, private,
encrypted, Multi-AZ, IMDSv2, encrypted root volume; drifted: none of these). A seed run alone (the contract
suite) and all seeds together (the sandbox) then see the same resource, and the sandbox holds one database
and one instance per account, in us-east-1 only, instead of one per control.
"""

from __future__ import annotations

from typing import Any

from soc2ctl_sandbox.seed import SeedContext

REGION = "us-east-1"
DB_ID = "app-db"
INSTANCE_NAME = "app-server"


def seeded(ctx: SeedContext) -> bool:
    """Whether this account and region get compute resources at all (fresh accounts and eu-west-1 do not)."""
    return ctx.posture != "fresh" and ctx.region == REGION


def app_db(ctx: SeedContext) -> dict[str, Any]:
    rds = ctx.client("rds")
    found = rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": [DB_ID]}])["DBInstances"]
    if found:
        return found[0]
    good = ctx.posture != "drifted"
    return rds.create_db_instance(
        DBInstanceIdentifier=DB_ID,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="app",
        MasterUserPassword="sandbox-password",
        AllocatedStorage=20,
        BackupRetentionPeriod=7 if good else 0,
        DeletionProtection=good,
        CopyTagsToSnapshot=good,
        PubliclyAccessible=not good,
        StorageEncrypted=good,
        MultiAZ=good,
    )["DBInstance"]


def app_instance(ctx: SeedContext) -> dict[str, Any]:
    ec2 = ctx.client("ec2")
    name = {"Name": "tag:Name", "Values": [INSTANCE_NAME]}
    state = {"Name": "instance-state-name", "Values": ["pending", "running"]}
    for reservation in ec2.describe_instances(Filters=[name, state])["Reservations"]:
        return reservation["Instances"][0]
    good = ctx.posture != "drifted"
    return ec2.run_instances(
        ImageId="ami-12c6146b",
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        MetadataOptions={"HttpTokens": "required" if good else "optional", "HttpEndpoint": "enabled"},
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": good}}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": INSTANCE_NAME}]}],
    )["Instances"][0]
