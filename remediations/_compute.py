"""Shared reads of the compute group (RDS and EC2 resource controls): every resource of a kind, paginated.

RDS: a DB instance that belongs to an Aurora or Multi-AZ DB cluster takes its backup retention, deletion
protection, encryption and Multi-AZ from the cluster (ModifyDBInstance refuses them there), so the controls
manage standalone instances and clusters, each keyed by its own ARN, and skip cluster members.
"""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import TaskContext

RDS_READS = ("rds:DescribeDBInstances", "rds:DescribeDBClusters")


def standalone_instances(rds: Any) -> list[dict[str, Any]]:
    """DB instances outside any cluster (a cluster member's settings are the cluster's)."""
    instances = paginate(rds, "describe_db_instances", "DBInstances")
    return [i for i in instances if not i.get("DBClusterIdentifier")]


def db_clusters(rds: Any) -> list[dict[str, Any]]:
    return paginate(rds, "describe_db_clusters", "DBClusters")


def rds_resources(ctx: TaskContext, fields: dict[str, str]) -> dict[str, Any]:
    """`{arn: {field: value}}` of standalone instances and clusters, `fields` mapping a state key to the
    AWS field both describe calls name alike (e.g. `{"deletion_protection": "DeletionProtection"}`)."""
    rds = ctx.client("rds")
    found = {i["DBInstanceArn"]: {k: i.get(f) for k, f in fields.items()} for i in standalone_instances(rds)}
    found |= {c["DBClusterArn"]: {k: c.get(f) for k, f in fields.items()} for c in db_clusters(rds)}
    return found


def is_cluster(arn: str) -> bool:
    """`arn:<partition>:rds:<region>:<account>:cluster:<id>` (instances are `...:db:<id>`)."""
    return arn.split(":")[5] == "cluster"


def rds_id(arn: str) -> str:
    return arn.split(":", 6)[6]


def modify_rds(ctx: TaskContext, arn: str, **settings: Any) -> None:
    """Applied now, not in the next maintenance window: the engine verifies by reading back."""
    rds = ctx.client("rds")
    if is_cluster(arn):
        rds.modify_db_cluster(DBClusterIdentifier=rds_id(arn), ApplyImmediately=True, **settings)
    else:
        rds.modify_db_instance(DBInstanceIdentifier=rds_id(arn), ApplyImmediately=True, **settings)


def ec2_instances(ec2: Any, *states: str) -> list[dict[str, Any]]:
    """Every EC2 instance in one of `states` (all but terminated when none are given)."""
    wanted = states or ("pending", "running", "shutting-down", "stopping", "stopped")
    filters = [{"Name": "instance-state-name", "Values": list(wanted)}]
    reservations = paginate(ec2, "describe_instances", "Reservations", Filters=filters)
    return [i for r in reservations for i in r.get("Instances", [])]


def instance_arn(ctx: TaskContext, instance_id: str) -> str:
    return ctx.arn("ec2", f"instance/{instance_id}")
