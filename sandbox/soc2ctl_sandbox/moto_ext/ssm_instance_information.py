"""SSM: DescribeInstanceInformation (the managed-node inventory), missing from moto.

In AWS an instance appears there once its SSM agent registers (agent running, instance profile allowing
Systems Manager); no API call registers an EC2 instance. The inventory lives here on the (per account and
region) SSM backend: `register_managed_instance(account, region, instance_id)` stands for the agent, used
by seeds and tests in moto's process. The call pages by MaxResults/NextToken (AWS: 5..50, default 10) and
filters by `InstanceIds` (InstanceInformationFilterList) or `Filters` key `InstanceIds`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _inventory(backend: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "managed_instances"):
        backend.managed_instances = {}
    return backend.managed_instances


def register_managed_instance(
    account_id: str, region: str, instance_id: str, platform: str = "Linux"
) -> None:
    """What the SSM agent's registration does in AWS: the instance is listed as an Online managed node."""
    from moto.ssm.models import ssm_backends

    _inventory(ssm_backends[account_id][region])[instance_id] = {
        "InstanceId": instance_id,
        "PingStatus": "Online",
        "LastPingDateTime": datetime.now(UTC).timestamp(),
        "AgentVersion": "3.3.0.0",
        "IsLatestVersion": True,
        "PlatformType": platform,
        "ResourceType": "EC2Instance",
    }


def _wanted_ids(response: Any) -> set[str] | None:
    ids: list[str] = []
    for item in response._get_param("InstanceInformationFilterList") or []:
        if item.get("key") == "InstanceIds":
            ids += item.get("valueSet", [])
    for item in response._get_param("Filters") or []:
        if item.get("Key") == "InstanceIds":
            ids += item.get("Values", [])
    return set(ids) if ids else None


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.ssm.responses import SimpleSystemManagerResponse

    def describe_instance_information(self: Any) -> ActionResult:
        wanted = _wanted_ids(self)
        items = [
            i for key, i in sorted(_inventory(self.ssm_backend).items()) if wanted is None or key in wanted
        ]
        size = int(self._get_param("MaxResults") or 10)
        start = int(self._get_param("NextToken") or 0)
        page: dict[str, Any] = {"InstanceInformationList": items[start : start + size]}
        if start + size < len(items):
            page["NextToken"] = str(start + size)
        return ActionResult(page)

    SimpleSystemManagerResponse.describe_instance_information = describe_instance_information
