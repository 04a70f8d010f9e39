"""EC2: MaxResults/NextToken for DescribeVpcs, DescribeSecurityGroups and DescribeFlowLogs.

moto answers these with every item in one page whatever MaxResults says, so a module that stopped at page
one would pass every test. Here a request that sets MaxResults gets pages of that size and a NextToken,
as from AWS; a request without MaxResults still gets everything, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PAGED = {
    ("moto.ec2.responses.vpcs", "VPCs", "describe_vpcs"): "Vpcs",
    ("moto.ec2.responses.security_groups", "SecurityGroups", "describe_security_groups"): "SecurityGroups",
    ("moto.ec2.responses.flow_logs", "FlowLogs", "describe_flow_logs"): "FlowLogs",
}


def _paged(original: Callable[[Any], Any], key: str) -> Callable[[Any], Any]:
    from moto.core.responses import ActionResult

    def method(self: Any) -> Any:
        result = original(self)
        size = self._get_int_param("MaxResults")
        if not size:
            return result
        items = list(result.result[key])
        start = int(self._get_param("NextToken") or 0)
        page: dict[str, Any] = {**result.result, key: items[start : start + size]}
        if start + size < len(items):
            page["NextToken"] = str(start + size)
        return ActionResult(page)

    return method


def apply() -> None:
    import importlib

    for (module_name, class_name, method_name), key in _PAGED.items():
        cls = getattr(importlib.import_module(module_name), class_name)
        setattr(cls, method_name, _paged(getattr(cls, method_name), key))
