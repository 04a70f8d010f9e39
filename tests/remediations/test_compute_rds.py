"""Module-specific behaviour of the RDS controls of the compute group (the contract suite covers the rest):
clusters managed in place of their members, longer retention kept, replicas skipped, cluster snapshots,
shares with named accounts kept, Multi-AZ detect by default and clusters it cannot fix."""

from __future__ import annotations

from tests.helpers import ModuleRun, member_client, write_calls

ENGINE = {"MasterUsername": "admin", "MasterUserPassword": "sandbox-password"}


def instance(rds, name: str, **settings) -> str:
    made = rds.create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres", AllocatedStorage=20,
        **ENGINE, **settings,
    )  # fmt: skip
    return made["DBInstance"]["DBInstanceArn"]


def cluster(rds, name: str, **settings) -> str:
    made = rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", **ENGINE, **settings)
    rds.create_db_instance(
        DBInstanceIdentifier=f"{name}-1", DBInstanceClass="db.r5.large", Engine="aurora-postgresql",
        DBClusterIdentifier=name,
    )  # fmt: skip
    return made["DBCluster"]["DBClusterArn"]


def test_backup_retention_raises_to_the_minimum_keeps_longer_and_skips_replicas(org):
    rds = member_client("rds", org["alpha"])
    short, long_ = (
        instance(rds, "short", BackupRetentionPeriod=1),
        instance(rds, "long", BackupRetentionPeriod=30),
    )
    replica = rds.create_db_instance_read_replica(
        DBInstanceIdentifier="short-replica", SourceDBInstanceIdentifier="short"
    )["DBInstance"]["DBInstanceArn"]
    aurora = cluster(rds, "orders", BackupRetentionPeriod=1)
    run = ModuleRun("rds-backup-retention", {"min_retention_days": 14}, org["alpha"])
    planned = run.plan()
    assert {c.keys[0]: (c.before, c.after) for c in planned.changes} == {short: (1, 14), aurora: (1, 14)}
    assert "skipped" in planned.observed[replica] and planned.observed[long_] == {"backup_retention_days": 30}
    assert not any(arn.endswith(":db:orders-1") for arn in planned.observed)  # the member is the cluster's
    assert sorted(write_calls(run.apply())) == ["rds:ModifyDBCluster", "rds:ModifyDBInstance"]
    assert (
        rds.describe_db_clusters(DBClusterIdentifier="orders")["DBClusters"][0]["BackupRetentionPeriod"] == 14
    )
    assert run.plan().action == "no-op"


def test_deletion_protection_covers_instances_and_clusters(org):
    rds = member_client("rds", org["beta"])
    db, aurora = instance(rds, "ledger"), cluster(rds, "ledger-aurora")
    run = ModuleRun("rds-deletion-protection", {}, org["beta"])
    assert sorted(c.keys[0] for c in run.plan().changes) == sorted([db, aurora])
    assert run.apply().status == "changed"
    assert rds.describe_db_clusters(DBClusterIdentifier="ledger-aurora")["DBClusters"][0][
        "DeletionProtection"
    ]


def test_storage_encryption_lists_unencrypted_clusters_for_a_person(org):
    rds = member_client("rds", org["beta"])
    aurora = cluster(rds, "plain")
    instance(rds, "sealed", StorageEncrypted=True)
    run = ModuleRun("rds-storage-encryption", {}, org["beta"])
    planned = run.plan()
    assert planned.action == "detect" and [c.keys[0] for c in planned.changes] == [aurora]
    assert write_calls(run.apply()) == []


def test_public_cluster_snapshots_are_unshared_and_named_shares_kept(org):
    rds = member_client("rds", org["gamma"])
    cluster(rds, "billing")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="billing", DBClusterSnapshotIdentifier="billing-snap")
    rds.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="billing-snap",
        AttributeName="restore",
        ValuesToAdd=["all", "111122223333"],
    )
    run = ModuleRun("rds-snapshot-public", {}, org["gamma"])
    (change,) = run.plan().changes
    assert change.keys[0].endswith(":cluster-snapshot:billing-snap") and change.before is True
    assert write_calls(run.apply()) == ["rds:ModifyDBClusterSnapshotAttribute"]
    attrs = rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier="billing-snap")
    (restore,) = attrs["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
    assert restore["AttributeValues"] == ["111122223333"]


def test_multi_az_detects_by_default_and_reports_clusters_it_cannot_convert(org):
    rds = member_client("rds", org["alpha"])
    db, aurora = instance(rds, "single"), cluster(rds, "one-zone")
    assert ModuleRun("rds-multi-az", {}, org["alpha"]).plan().action == "detect"
    run = ModuleRun("rds-multi-az", {"enable": True}, org["alpha"])
    assert sorted(c.keys[0] for c in run.plan().changes) == sorted([db, aurora])
    applied = run.apply()
    assert applied.status == "failed" and aurora in applied.error and "reader instance" in applied.error
    assert rds.describe_db_instances(DBInstanceIdentifier="single")["DBInstances"][0]["MultiAZ"]


def test_every_snapshot_cluster_and_instance_is_read_across_pages(org):
    rds = member_client("rds", org["gamma"])
    dbs = [instance(rds, f"db{i}") for i in range(3)]
    clusters = [cluster(rds, f"cl{i}") for i in range(3)]
    for i in range(3):
        rds.create_db_snapshot(DBInstanceIdentifier="db0", DBSnapshotIdentifier=f"snap{i}")
        rds.create_db_cluster_snapshot(DBClusterIdentifier="cl0", DBClusterSnapshotIdentifier=f"csnap{i}")
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="snap2", AttributeName="restore", ValuesToAdd=["all"]
    )
    snapshots, protection = (
        ModuleRun("rds-snapshot-public", {}, org["gamma"]),
        ModuleRun("rds-deletion-protection", {}, org["gamma"]),
    )
    lists = ("DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "DescribeDBClusterSnapshots")
    for run in (snapshots, protection):  # moto (patched) honours MaxRecords as AWS does (AWS: 20 at least)
        for operation in lists:
            run.sessions.register(
                f"before-parameter-build.rds.{operation}",
                lambda params, **_: params.setdefault("MaxRecords", 2),
            )
    planned = snapshots.plan()
    assert len(planned.observed) == 6 and [c.keys[0].rsplit(":", 1)[1] for c in planned.changes] == ["snap2"]
    assert [c.operation for c in planned.calls].count("DescribeDBSnapshots") == 2
    assert [c.operation for c in planned.calls].count("DescribeDBClusterSnapshots") == 2
    protected = protection.plan()
    assert sorted(protected.observed) == sorted(dbs + clusters)
    assert [c.operation for c in protected.calls].count("DescribeDBClusters") == 2
