"""Inspector v2: `Enable`/`Disable`/`BatchGetAccountStatus` without `accountIds` mean the caller's account.

moto 5.2 crashes (500) when `accountIds` is omitted, which AWS allows, and `BatchGetAccountStatus` returns
nothing for an account that never turned Inspector on, where AWS reports it with every scan DISABLED.
"""

from __future__ import annotations

from typing import Any


def _patch_backend() -> None:
    from moto.inspector2.models import AccountStatus, Inspector2Backend

    original_enable = Inspector2Backend.enable
    original_disable = Inspector2Backend.disable

    def enable(self: Any, account_ids: list[str] | None, resource_types: list[str]) -> list[dict[str, Any]]:
        return original_enable(self, account_ids or [self.account_id], resource_types)

    def disable(self: Any, account_ids: list[str] | None, resource_types: list[str]) -> list[dict[str, Any]]:
        everything = ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"]  # AWS: no resourceTypes means all of them
        return original_disable(self, account_ids or [self.account_id], resource_types or everything)

    def batch_get_account_status(self: Any, account_ids: list[str] | None) -> list[dict[str, Any]]:
        wanted = account_ids or [self.account_id]
        known = [a for a in wanted if a in self.account_status or a == self.account_id]
        return [self.account_status.get(a, AccountStatus(a)).to_batch_json() for a in known]

    Inspector2Backend.enable = enable
    Inspector2Backend.disable = disable
    Inspector2Backend.batch_get_account_status = batch_get_account_status


def apply() -> None:
    _patch_backend()
