"""CloudWatch Logs: PutMetricFilter replaces a filter of the same name and needs an existing log group.

moto appends a second filter with the same name (AWS overwrites the filter in place, so a drifted pattern
fixed by a put would read back twice) and accepts a filter on a log group that does not exist (AWS:
ResourceNotFoundException), so a control could pass in tests and fail in AWS.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.metric_filters import MetricFilters
    from moto.logs.models import LogsBackend

    original_add = MetricFilters.add_filter
    original_put = LogsBackend.put_metric_filter

    def add_filter(
        self: Any, filter_name: str, filter_pattern: str, log_group_name: str, transforms: Any
    ) -> None:
        self.metric_filters = [
            f
            for f in self.metric_filters
            if (f["filterName"], f["logGroupName"]) != (filter_name, log_group_name)
        ]
        original_add(self, filter_name, filter_pattern, log_group_name, transforms)

    def put_metric_filter(
        self: Any, filter_name: str, filter_pattern: str, log_group_name: str, transforms: Any
    ) -> None:
        if log_group_name not in self.groups:
            raise ResourceNotFoundException("The specified log group does not exist.")
        original_put(self, filter_name, filter_pattern, log_group_name, transforms)

    MetricFilters.add_filter = add_filter
    LogsBackend.put_metric_filter = put_metric_filter
