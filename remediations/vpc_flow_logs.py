"""VPC flow logs for every VPC, to S3 (default) or CloudWatch Logs."""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import model_validator

from remediations import _preconditions as pre
from remediations._aws import client_token, paginate, partitions
from soc2ctl.remediation import Params, PlannedChange, Remediation, Requirement, Scope, Target, TaskContext

_FILTER_VALUES = 100  # VPC ids per describe_flow_logs filter, well under EC2's limit on filter values


class VpcFlowLogsParams(Params):
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    # s3 by default: one central bucket needs no per-account IAM role, unlike cloud-watch-logs.
    destination_type: Literal["s3", "cloud-watch-logs"] = "s3"
    s3_bucket_arn: str | None = (
        None  # arn:<partition>:s3:::bucket[/prefix] (playbooks: arn:{{ partition }}:...)
    )
    log_group_name: str = "/soc2/vpc-flow-logs"  # may use {account_id}, {region}, {vpc_id}
    deliver_logs_permission_arn: str | None = None  # role that lets flow logs write to CloudWatch Logs
    max_aggregation_interval: Literal[60, 600] = 600

    @model_validator(mode="after")
    def _destination_is_complete(self) -> VpcFlowLogsParams:
        """Fail at plan time, not at apply time with a half-created set of flow logs."""
        if self.destination_type == "s3" and not partitions.is_s3_arn(self.s3_bucket_arn or ""):
            raise ValueError(
                "destination_type s3 needs s3_bucket_arn (arn:<partition>:s3:::<bucket>[/prefix])"
            )
        if self.destination_type == "cloud-watch-logs" and not self.deliver_logs_permission_arn:
            raise ValueError("destination_type cloud-watch-logs needs deliver_logs_permission_arn")
        return self

    def destination(self, ctx: TaskContext, vpc_id: str) -> str:
        """The bucket ARN (no trailing slash) or the log group name of this VPC."""
        if self.destination_type == "s3":
            return (self.s3_bucket_arn or "").rstrip("/")
        return self.log_group_name.format(account_id=ctx.account_id, region=ctx.region, vpc_id=vpc_id)

    def flow_log(self, ctx: TaskContext, vpc_id: str) -> dict[str, Any]:
        return {
            "traffic_type": self.traffic_type,
            "destination_type": self.destination_type,
            "destination": self.destination(ctx, vpc_id),
            "max_aggregation_interval": self.max_aggregation_interval,
        }


def summarise(flow_log: dict[str, Any]) -> dict[str, Any]:
    """A flow log in the shape of `VpcFlowLogsParams.flow_log`."""
    kind = flow_log.get("LogDestinationType", "cloud-watch-logs")
    where = flow_log.get("LogDestination", "") if kind != "cloud-watch-logs" else flow_log.get("LogGroupName")
    return {
        "traffic_type": flow_log.get("TrafficType"),
        "destination_type": kind,
        "destination": where.rstrip("/") if kind != "cloud-watch-logs" else where,
        "max_aggregation_interval": flow_log.get("MaxAggregationInterval"),
    }


def vpc_id_of(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


class VpcFlowLogs(Remediation[VpcFlowLogsParams]):
    """Network traffic of every VPC is logged (VPC flow logs), for detection and investigation.

    A VPC is compliant when one active flow log matches the parameters; other flow logs are left alone (a
    VPC with only non-matching ones gets one more, none is ever deleted)."""

    name = "vpc-flow-logs"
    scope = Scope.REGION
    risk = "medium"  # replacing a flow log changes where network logs go
    criteria = ("CC7.2",)
    prowler_checks = ("vpc_flow_logs_enabled",)
    config_rules = ("vpc-flow-logs-enabled",)
    securityhub_controls = ("EC2.6",)
    read_actions = (
        "ec2:DescribeVpcs",
        "ec2:DescribeFlowLogs",
        "logs:DescribeLogGroups",
        "s3:ListBucket",  # HeadBucket of the destination bucket
        "s3:GetBucketPolicy",
    )
    write_actions = ("ec2:CreateFlowLogs", "logs:CreateLogGroup")

    def requires(self, target: Target, params: VpcFlowLogsParams) -> list[Requirement]:
        """An S3 destination must exist and admit log delivery (a CloudWatch Logs group is created here)."""
        if params.destination_type != "s3" or not params.s3_bucket_arn:
            return []
        bucket = partitions.s3_bucket_of(params.s3_bucket_arn)
        return [pre.bucket(bucket, "delivery.logs.amazonaws.com")]

    def read(self, ctx: TaskContext, params: VpcFlowLogsParams) -> dict[str, Any]:
        ec2 = ctx.client("ec2")
        vpc_ids = [vpc["VpcId"] for vpc in paginate(ec2, "describe_vpcs", "Vpcs")]
        found = self._flow_logs(ec2, vpc_ids)
        return {
            ctx.arn("ec2", f"vpc/{vpc_id}"): {
                "flow_log": self._best(found.get(vpc_id, []), params.flow_log(ctx, vpc_id))
            }
            for vpc_id in vpc_ids
        }

    @staticmethod
    def _flow_logs(ec2: Any, vpc_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Active flow logs by VPC id, read in batches of VPC ids."""
        found: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(vpc_ids), _FILTER_VALUES):
            batch = vpc_ids[start : start + _FILTER_VALUES]
            filters = [{"Name": "resource-id", "Values": batch}]
            for flow_log in paginate(ec2, "describe_flow_logs", "FlowLogs", Filter=filters):
                if flow_log.get("FlowLogStatus", "ACTIVE") == "ACTIVE":
                    found.setdefault(flow_log["ResourceId"], []).append(summarise(flow_log))
        return found

    @staticmethod
    def _best(flow_logs: list[dict[str, Any]], wanted: dict[str, Any]) -> dict[str, Any] | None:
        """The flow log that matches the parameters, else any (so the diff shows what differs), else None."""
        if wanted in flow_logs:
            return wanted
        return min(flow_logs, key=lambda f: str(sorted(f.items()))) if flow_logs else None

    def desired(self, ctx: TaskContext, params: VpcFlowLogsParams, observed: Any) -> dict[str, Any]:
        return {arn: {"flow_log": params.flow_log(ctx, vpc_id_of(arn))} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[VpcFlowLogsParams]) -> None:
        params = change.params
        ec2 = ctx.client("ec2")
        vpc_ids = [vpc_id_of(arn) for arn in change.changed_keys()]
        if params.destination_type == "cloud-watch-logs":
            self._ensure_log_groups(ctx, {params.destination(ctx, v) for v in vpc_ids})
        for vpc_id in vpc_ids:
            self._create(ec2, params, ctx, vpc_id)

    @staticmethod
    def _ensure_log_groups(ctx: TaskContext, names: set[str]) -> None:
        """Flow logs to a missing log group are created but never deliver: create the group first."""
        logs = ctx.client("logs")
        for name in sorted(names):
            groups = paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
            if not any(g["logGroupName"] == name for g in groups):
                logs.create_log_group(logGroupName=name)

    @staticmethod
    def _create(ec2: Any, params: VpcFlowLogsParams, ctx: TaskContext, vpc_id: str) -> None:
        destination = params.destination(ctx, vpc_id)
        where: dict[str, Any] = (
            {"LogDestination": destination}
            if params.destination_type == "s3"
            else {"LogGroupName": destination, "DeliverLogsPermissionArn": params.deliver_logs_permission_arn}
        )
        response = ec2.create_flow_logs(
            ResourceType="VPC",
            ResourceIds=[vpc_id],
            TrafficType=params.traffic_type,
            LogDestinationType=params.destination_type,
            MaxAggregationInterval=params.max_aggregation_interval,
            ClientToken=client_token(ctx, "flow-logs", vpc_id),
            **where,
        )
        for failure in response.get("Unsuccessful", []):  # AWS reports these in a 200 response, not as errors
            error = failure.get("Error", {})
            raise ClientError(
                {
                    "Error": {
                        "Code": error.get("Code", "Unsuccessful"),
                        "Message": f"{vpc_id}: {error.get('Message')}",
                    }
                },
                "CreateFlowLogs",
            )
