"""RDS: MaxRecords/Marker for DescribeDBClusters, DescribeDBSnapshots and DescribeDBClusterSnapshots.

moto pages DescribeDBInstances but answers these three with every item in one page whatever MaxRecords
says, so a module that stopped at page one would pass every test. Here a request that sets MaxRecords gets
pages of that size and a Marker, as from AWS; without MaxRecords it still gets everything. (AWS refuses
MaxRecords below 20; moto does not check, and tests use small pages to keep their seeds small.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PAGED = {
    "describe_db_clusters": "DBClusters",
    "describe_db_snapshots": "DBSnapshots",
    "describe_db_cluster_snapshots": "DBClusterSnapshots",
}


def _paged(original: Callable[[Any], Any], key: str) -> Callable[[Any], Any]:
    from moto.core.responses import ActionResult

    def method(self: Any) -> Any:
        result = original(self)
        size = int(self.params.get("MaxRecords") or 0)
        if not size:
            return result
        items = list(result.result[key])
        start = int(self.params.get("Marker") or 0)
        page: dict[str, Any] = {**result.result, key: items[start : start + size]}
        if start + size < len(items):
            page["Marker"] = str(start + size)
        return ActionResult(page)

    return method


def apply() -> None:
    from moto.rds.responses import RDSResponse

    for method_name, key in _PAGED.items():
        setattr(RDSResponse, method_name, _paged(getattr(RDSResponse, method_name), key))
