"""AWS Config records every resource type (global types once, in the home region) and delivers centrally."""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError

from remediations import _preconditions as pre
from remediations._aws import error_code
from soc2ctl.remediation import (
    Params,
    PlannedChange,
    Remediation,
    Requirement,
    Scope,
    Target,
    TaskContext,
    same,
)

SERVICE_LINKED_ROLE = "AWSServiceRoleForConfig"
SLR_PATH = "role/aws-service-role/config.amazonaws.com/"
Frequency = Literal["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"]


class ConfigRecorderParams(Params):
    delivery_bucket: str  # the central bucket (usually in the log-archive account)
    delivery_prefix: str | None = None
    sns_topic_arn: str | None = None
    snapshot_frequency: Frequency | None = None  # None: unmanaged
    # None: the account's service-linked role, role/aws-service-role/config.amazonaws.com/...
    role_arn: str | None = None
    recorder_name: str = "default"  # used only when no recorder exists (AWS allows one per region)
    delivery_channel_name: str = "default"  # likewise


def role_arn(ctx: TaskContext, params: ConfigRecorderParams) -> str:
    return params.role_arn or ctx.arn("iam", f"{SLR_PATH}{SERVICE_LINKED_ROLE}", region="")


def summarise_recorder(recorder: dict[str, Any]) -> dict[str, Any]:
    group = recorder.get("recordingGroup", {})
    return {
        "role_arn": recorder.get("roleARN"),
        "all_supported": group.get("allSupported", False),
        "include_global_resource_types": group.get("includeGlobalResourceTypes", False),
    }


def summarise_channel(channel: dict[str, Any]) -> dict[str, Any]:
    return {
        "s3_bucket_name": channel.get("s3BucketName"),
        "s3_key_prefix": channel.get("s3KeyPrefix"),
        "sns_topic_arn": channel.get("snsTopicARN"),
        "snapshot_frequency": channel.get("configSnapshotDeliveryProperties", {}).get("deliveryFrequency"),
    }


class ConfigRecorder(Remediation[ConfigRecorderParams]):
    """AWS Config records every resource type (global types once, in the home region) and delivers centrally.

    The one recorder and delivery channel AWS allows per region are updated in place (their names are kept);
    they are created, named by the parameters, only when absent. Recording global resource types (IAM) in one
    region only avoids duplicate configuration items in every other region."""

    name = "config-recorder"
    scope = Scope.REGION
    risk = "medium"  # replacing the recorder or delivery channel can interrupt configuration history
    criteria = ("CC2.1", "CC4.1", "CC7.1", "CC8.1")
    prowler_checks = ("config_recorder_all_regions_enabled",)
    securityhub_controls = ("Config.1",)
    read_actions = (
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeDeliveryChannels",
        "iam:GetRole",
        "s3:ListBucket",  # HeadBucket of the delivery bucket
        "s3:GetBucketPolicy",
    )
    write_actions = (
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:StartConfigurationRecorder",
        "iam:CreateServiceLinkedRole",
    )

    def requires(self, target: Target, params: ConfigRecorderParams) -> list[Requirement]:
        """AWS accepts a channel to a bucket that cannot take deliveries, and Config then delivers nothing."""
        return [pre.bucket(params.delivery_bucket, "config.amazonaws.com")]

    def read(self, ctx: TaskContext, params: ConfigRecorderParams) -> dict[str, Any]:
        config = ctx.client("config")
        recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
        statuses = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
        channels = config.describe_delivery_channels()["DeliveryChannels"]
        return {
            "recorder_name": recorders[0]["name"] if recorders else None,
            "delivery_channel_name": channels[0]["name"] if channels else None,
            "recorder": summarise_recorder(recorders[0]) if recorders else None,
            "delivery_channel": summarise_channel(channels[0]) if channels else None,
            "recording": statuses[0].get("recording", False) if statuses else None,
        }

    def desired(self, ctx: TaskContext, params: ConfigRecorderParams, observed: Any) -> dict[str, Any]:
        channel = {  # an unset optional setting is not managed
            "s3_bucket_name": params.delivery_bucket,
            "s3_key_prefix": params.delivery_prefix,
            "sns_topic_arn": params.sns_topic_arn,
            "snapshot_frequency": params.snapshot_frequency,
        }
        channel = {k: v for k, v in channel.items() if v is not None}
        return {
            "recorder": {
                "role_arn": role_arn(ctx, params),
                "all_supported": True,
                "include_global_resource_types": ctx.region == ctx.home_region,
            },
            "delivery_channel": channel,
            "recording": True,
        }

    def apply(self, ctx: TaskContext, change: PlannedChange[ConfigRecorderParams]) -> None:
        """Recorder first (a delivery channel needs one), channel next, start last (it needs the channel)."""
        params, observed, want = change.params, change.observed, change.desired
        config = ctx.client("config")
        recorder_name = observed.get("recorder_name") or params.recorder_name
        if not self._same_part(observed, want, "recorder"):
            self._ensure_service_linked_role(ctx, want["recorder"]["role_arn"])
            config.put_configuration_recorder(
                ConfigurationRecorder=self._recorder(recorder_name, want["recorder"])
            )
        if not self._same_part(observed, want, "delivery_channel"):
            channel = {**(observed.get("delivery_channel") or {}), **want["delivery_channel"]}
            name = observed.get("delivery_channel_name") or params.delivery_channel_name
            config.put_delivery_channel(DeliveryChannel=self._channel(name, channel))
        if observed.get("recording") is not True:
            config.start_configuration_recorder(ConfigurationRecorderName=recorder_name)

    @staticmethod
    def _same_part(observed: dict[str, Any], want: dict[str, Any], key: str) -> bool:
        have = observed.get(key) or {}
        return observed.get(key) is not None and all(same(have.get(k), v) for k, v in want[key].items())

    @staticmethod
    def _recorder(name: str, want: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "roleARN": want["role_arn"],
            "recordingGroup": {
                "allSupported": True,
                "includeGlobalResourceTypes": want["include_global_resource_types"],
                "recordingStrategy": {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"},
            },
        }

    @staticmethod
    def _channel(name: str, channel: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "s3BucketName": channel["s3_bucket_name"]}
        if channel.get("s3_key_prefix"):
            body["s3KeyPrefix"] = channel["s3_key_prefix"]
        if channel.get("sns_topic_arn"):
            body["snsTopicARN"] = channel["sns_topic_arn"]
        if channel.get("snapshot_frequency"):
            body["configSnapshotDeliveryProperties"] = {"deliveryFrequency": channel["snapshot_frequency"]}
        return body

    @staticmethod
    def _ensure_service_linked_role(ctx: TaskContext, arn: str) -> None:
        """Config refuses a recorder whose role does not exist; AWS creates the service-linked role only from
        the console, so create it here (region tasks of one account may race: "already taken" is success)."""
        if f":{SLR_PATH}{SERVICE_LINKED_ROLE}" not in arn:
            return
        iam = ctx.client("iam")
        try:
            iam.get_role(RoleName=SERVICE_LINKED_ROLE)
            return
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
        try:
            iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")
        except ClientError as exc:
            if error_code(exc) not in ("InvalidInput", "EntityAlreadyExists"):
                raise
