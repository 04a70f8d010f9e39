"""Analyzers per account and region, with the rules AWS enforces on creating them.

- Names match `[A-Za-z][A-Za-z0-9_.-]*` and are unique in the account and region (ConflictException).
- At most one account-level analyzer per type, five organization-level ones per type (AWS quotas).
- Organization analyzers only in the management account or the Access Analyzer delegated administrator.
New analyzers are ACTIVE at once (AWS: CREATING for a few seconds).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.utils import utcnow
from moto.utilities.utils import get_partition

from .exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)

TYPES = (
    "ACCOUNT",
    "ORGANIZATION",
    "ACCOUNT_UNUSED_ACCESS",
    "ORGANIZATION_UNUSED_ACCESS",
    "ACCOUNT_INTERNAL_ACCESS",
    "ORGANIZATION_INTERNAL_ACCESS",
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,254}$")
_ORGANIZATION_QUOTA = 5
_PRINCIPAL = "access-analyzer.amazonaws.com"


class Analyzer:
    def __init__(self, backend: AccessAnalyzerBackend, name: str, type_: str, **extra: Any) -> None:
        self.name = name
        self.type = type_
        partition = get_partition(backend.region_name)
        self.arn = (
            f"arn:{partition}:access-analyzer:{backend.region_name}:{backend.account_id}:analyzer/{name}"
        )
        self.created_at: datetime = utcnow()
        self.status = "ACTIVE"
        self.tags: dict[str, str] = extra.get("tags") or {}
        self.configuration: dict[str, Any] | None = extra.get("configuration")
        self.archive_rules: list[Any] = extra.get("archive_rules") or []

    def to_dict(self) -> dict[str, Any]:
        found = {
            "arn": self.arn,
            "name": self.name,
            "type": self.type,
            "createdAt": self.created_at,
            "status": self.status,
            "tags": self.tags,
        }
        if self.configuration:
            found["configuration"] = self.configuration
        return found


class AccessAnalyzerBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.analyzers: dict[str, Analyzer] = {}

    def create_analyzer(self, name: str, type_: str, **extra: Any) -> Analyzer:
        if not _NAME.match(name or ""):
            raise ValidationException(f"Invalid analyzer name {name!r}.", "fieldValidationFailed")
        if type_ not in TYPES:
            raise ValidationException(f"Invalid analyzer type {type_!r}.", "fieldValidationFailed")
        if name in self.analyzers:
            raise ConflictException(name)
        same_type = sum(1 for a in self.analyzers.values() if a.type == type_)
        if type_.startswith("ORGANIZATION"):
            self._require_organization_admin()
            if same_type >= _ORGANIZATION_QUOTA:
                raise ServiceQuotaExceededException(name, f"Cannot exceed quota for {type_} analyzers.")
        elif same_type:
            raise ServiceQuotaExceededException(name, f"Cannot exceed quota for {type_} analyzers: 1.")
        analyzer = self.analyzers[name] = Analyzer(self, name, type_, **extra)
        return analyzer

    def get_analyzer(self, name: str) -> Analyzer:
        if name not in self.analyzers:
            raise ResourceNotFoundException(name)
        return self.analyzers[name]

    def list_analyzers(self, type_: str | None = None) -> list[Analyzer]:
        return [a for a in self.analyzers.values() if type_ is None or a.type == type_]

    def delete_analyzer(self, name: str) -> None:
        self.get_analyzer(name)
        del self.analyzers[name]

    def _require_organization_admin(self) -> None:
        """AWS: only the management account or the delegated administrator can analyze the organization."""
        from moto.organizations.models import organizations_backends

        try:
            org = organizations_backends[self.account_id][self.partition].describe_organization()[
                "Organization"
            ]
        except Exception:
            raise ValidationException(
                "You must be a member of an organization to create an organization analyzer.",
                "notSupported",
            ) from None
        management = org["MasterAccountId"]
        if self.account_id == management:
            return
        admins = organizations_backends[management][self.partition].admins
        if not any(a.account.id == self.account_id and _PRINCIPAL in a.services for a in admins):
            raise ValidationException(
                "You must be the management account or the delegated administrator of the organization "
                "to create an organization analyzer.",
                "notSupported",
            )


accessanalyzer_backends = BackendDict(AccessAnalyzerBackend, "accessanalyzer")
