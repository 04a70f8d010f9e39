"""Macie: a new account starts with Macie off, as in AWS, and `UpdateMacieSession` exists.

moto 5.2 starts every account with an ENABLED session (so nothing could ever be "absent"), answers
`GetMacieSession` on a disabled account with ResourceNotFoundException where AWS says
`AccessDeniedException: Macie is not enabled.`, lets `EnableMacie` overwrite an enabled session where AWS
answers ConflictException, and lacks `UpdateMacieSession` (PATCH /macie).
"""

from __future__ import annotations

import json
from typing import Any


def _errors() -> tuple[type[Exception], type[Exception]]:
    from moto.macie2.exceptions import AccessDeniedException, MacieException

    class ConflictException(MacieException):
        code = 409

        def __init__(self, message: str) -> None:
            super().__init__("ConflictException", message)

        def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
            return [("x-amzn-ErrorType", "ConflictException")]

    return AccessDeniedException, ConflictException


def _patch_backend() -> None:
    from moto.core.utils import utcnow
    from moto.macie2.models import MacieBackend

    not_enabled, conflict = _errors()
    original_init = MacieBackend.__init__
    original_enable = MacieBackend.enable_macie

    def __init__(self: Any, region_name: str, account_id: str) -> None:
        original_init(self, region_name, account_id)
        self.macie_session = None

    def get_macie_session(self: Any) -> dict[str, Any]:
        session = self.macie_session
        if not session:
            raise not_enabled("Macie is not enabled.")
        return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in session.items()}

    def enable_macie(
        self: Any, finding_publishing_frequency: str = "FIFTEEN_MINUTES", status: str = "ENABLED"
    ) -> None:
        if self.macie_session:
            raise conflict("Macie has already been enabled")
        original_enable(self, finding_publishing_frequency, status)

    def update_macie_session(self: Any, finding_publishing_frequency: str | None, status: str | None) -> None:
        if not self.macie_session:
            raise not_enabled("Macie is not enabled.")
        if finding_publishing_frequency:
            self.macie_session["findingPublishingFrequency"] = finding_publishing_frequency
        if status:
            self.macie_session["status"] = status
        self.macie_session["updatedAt"] = utcnow()

    MacieBackend.__init__ = __init__
    MacieBackend.get_macie_session = get_macie_session
    MacieBackend.enable_macie = enable_macie
    MacieBackend.update_macie_session = update_macie_session


def _patch_responses() -> None:
    from moto.macie2.responses import MacieResponse

    def update_macie_session(self: Any) -> str:
        self.macie_backend.update_macie_session(
            self._get_param("findingPublishingFrequency"), self._get_param("status")
        )
        return json.dumps({})

    MacieResponse.update_macie_session = update_macie_session


def apply() -> None:
    _patch_backend()
    _patch_responses()
