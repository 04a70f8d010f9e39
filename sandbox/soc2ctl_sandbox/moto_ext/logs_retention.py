"""CloudWatch Logs: PutRetentionPolicy accepts any number in moto; AWS accepts only its fixed list of values.

Without this, a log-retention control could set (and a test could pass with) a retention AWS rejects.
"""

from __future__ import annotations

from typing import Any

# The values AWS accepts for retentionInDays (PutRetentionPolicy / CreateLogGroup's console choices).
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def apply() -> None:
    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.models import LogsBackend

    original = LogsBackend.put_retention_policy

    def put_retention_policy(self: Any, log_group_name: str, retention_in_days: Any) -> None:
        if int(retention_in_days) not in RETENTION_DAYS:
            raise InvalidParameterException(
                msg=f"1 validation error detected: Value '{retention_in_days}' at 'retentionInDays' failed to "
                f"satisfy constraint: Member must satisfy enum value set: {list(RETENTION_DAYS)}"
            )
        original(self, log_group_name, retention_in_days)

    LogsBackend.put_retention_policy = put_retention_policy
