"""Organizations delegated administrators as AWS records them (moto 5.2 gets three things wrong).

- `RegisterDelegatedAdministrator` rejects `config.amazonaws.com` (Config aggregators) and
  `securityhub.amazonaws.com`, which AWS accepts.
- GuardDuty, Security Hub and Macie `EnableOrganizationAdminAccount` only store the id in the service; in AWS
  the call also enables trusted access and registers the account as delegated administrator in Organizations
  (so `ListDelegatedAdministrators` shows it). moto's GuardDuty also appends the same id again on every call.
- GuardDuty's `EnableOrganizationAdminAccount` accepts any caller and any account; AWS requires the
  management account and an organization member (BadRequestException otherwise).
"""

from __future__ import annotations

import contextlib
from typing import Any

_EXTRA_DELEGATABLE = ("config.amazonaws.com", "securityhub.amazonaws.com")


def _org_backend(account_id: str, region: str) -> Any:
    """The account's Organizations backend in the region's partition (moto keeps one per partition)."""
    from moto.organizations.models import organizations_backends
    from moto.utilities.utils import get_partition

    return organizations_backends[account_id][get_partition(region)]


def _register(management_account_id: str, principal: str, admin_account_id: str, region: str) -> None:
    """What AWS does on the service's behalf: trusted access plus the delegated-administrator record."""
    from moto.organizations.exceptions import AccountAlreadyRegisteredException

    org = _org_backend(management_account_id, region)
    org.enable_aws_service_access(ServicePrincipal=principal)
    if admin_account_id == management_account_id:
        return  # the management account administers natively; Organizations never lists it as delegated
    with contextlib.suppress(AccountAlreadyRegisteredException):
        org.register_delegated_administrator(AccountId=admin_account_id, ServicePrincipal=principal)


def _guardduty_error(message: str) -> Exception:
    from moto.guardduty.exceptions import GuardDutyException

    class BadRequest(GuardDutyException):
        code = 400

        def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
            return [("X-Amzn-ErrorType", "BadRequestException")]

    return BadRequest("BadRequestException", message)


def _require_management_and_member(account_id: str, admin_account_id: str, region: str) -> None:
    """AWS refuses the designation from anyone but the management account, and for non-members."""
    from moto.organizations.exceptions import AccountNotFoundException

    org = _org_backend(account_id, region)
    if org.org is None:
        raise _guardduty_error(
            "The request is rejected because the current account is not the management account."
        )
    try:
        org.get_account_by_id(admin_account_id)
    except AccountNotFoundException:
        raise _guardduty_error(
            f"The request is rejected because the account {admin_account_id} is not a member of the organization."
        ) from None


def _patch_guardduty() -> None:
    from moto.guardduty.models import GuardDutyBackend

    def enable_organization_admin_account(self: Any, admin_account_id: str) -> None:
        _require_management_and_member(self.account_id, admin_account_id, self.region_name)
        if admin_account_id not in self.admin_account_ids:
            self.admin_account_ids.append(admin_account_id)
        _register(self.account_id, "guardduty.amazonaws.com", admin_account_id, self.region_name)

    GuardDutyBackend.enable_organization_admin_account = enable_organization_admin_account


def _patch_securityhub() -> None:
    from moto.securityhub.models import SecurityHubBackend

    original = SecurityHubBackend.enable_organization_admin_account

    def enable_organization_admin_account(self: Any, admin_account_id: str) -> None:
        original(self, admin_account_id)  # validates management caller and membership
        _register(self.account_id, "securityhub.amazonaws.com", admin_account_id, self.region_name)

    SecurityHubBackend.enable_organization_admin_account = enable_organization_admin_account


def _patch_macie() -> None:
    from moto.macie2.models import MacieBackend

    original = MacieBackend.enable_organization_admin_account

    def enable_organization_admin_account(self: Any, admin_account_id: str) -> None:
        original(self, admin_account_id)
        _register(self.account_id, "macie.amazonaws.com", admin_account_id, self.region_name)

    MacieBackend.enable_organization_admin_account = enable_organization_admin_account


def apply() -> None:
    from moto.organizations.models import FakeDelegatedAdministrator

    for principal in _EXTRA_DELEGATABLE:
        if principal not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
            FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(principal)
    _patch_guardduty()
    _patch_securityhub()
    _patch_macie()
