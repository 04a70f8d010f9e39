"""Security Hub: standards subscriptions and ListOrganizationAdminAccounts (missing from moto 5.2).

Adds `DescribeStandards`, `GetEnabledStandards`, `BatchEnableStandards`, `BatchDisableStandards` and
`ListOrganizationAdminAccounts`, and makes `EnableSecurityHub` honour `EnableDefaultStandards` (AWS turns on
FSBP and CIS 1.2.0 unless told not to; moto ignored the flag), so tests can tell the two apart.
"""

from __future__ import annotations

import json
from typing import Any

# Standards AWS offers (name/v/version); CIS 1.2.0 is the legacy global "ruleset" ARN.
_STANDARDS = (
    "aws-foundational-security-best-practices/v/1.0.0",
    "cis-aws-foundations-benchmark/v/1.4.0",
    "cis-aws-foundations-benchmark/v/3.0.0",
    "nist-800-53/v/5.0.0",
    "pci-dss/v/3.2.1",
    "pci-dss/v/4.0.1",
)
_CIS_120 = "ruleset/cis-aws-foundations-benchmark/v/1.2.0"


def _arn(region: str, arn_region: str, account_id: str, resource: str) -> str:
    from moto.utilities.utils import get_partition

    return f"arn:{get_partition(region)}:securityhub:{arn_region}:{account_id}:{resource}"


def _standards_arns(region: str) -> list[str]:
    return [_arn(region, "", "", _CIS_120)] + [_arn(region, region, "", f"standards/{s}") for s in _STANDARDS]


def _default_arns(region: str) -> list[str]:
    """What `EnableSecurityHub` turns on when `EnableDefaultStandards` is true (or omitted)."""
    return [_arn(region, "", "", _CIS_120), _arn(region, region, "", f"standards/{_STANDARDS[0]}")]


def _subscription_arn(standards_arn: str, region: str, account_id: str) -> str:
    suffix = standards_arn.split(":standards/", 1)[-1].split(":ruleset/", 1)[-1]
    return _arn(region, region, account_id, f"subscription/{suffix}")


def _subscriptions(backend: Any) -> dict[str, dict[str, Any]]:
    """Per-hub state, created lazily so backends built before `apply()` work too."""
    return backend.__dict__.setdefault("standards_subscriptions", {})


def _subscribe(backend: Any, standards_arn: str) -> dict[str, Any]:
    from moto.securityhub.exceptions import SecurityHubClientError

    if standards_arn not in _standards_arns(backend.region_name):
        raise SecurityHubClientError("InvalidInputException", f"Invalid StandardsArn: {standards_arn}")
    sub = {
        "StandardsSubscriptionArn": _subscription_arn(standards_arn, backend.region_name, backend.account_id),
        "StandardsArn": standards_arn,
        "StandardsInput": {},
        "StandardsStatus": "READY",
    }
    _subscriptions(backend)[sub["StandardsSubscriptionArn"]] = sub
    return {**sub, "StandardsStatus": "PENDING"}


def _require_hub(backend: Any) -> None:
    from moto.securityhub.exceptions import SecurityHubClientError

    if not backend.enabled:
        raise SecurityHubClientError(
            "InvalidAccessException", f"Account {backend.account_id} is not subscribed to AWS Security Hub"
        )


def _patch_backend() -> None:
    from moto.securityhub.models import SecurityHubBackend

    original_enable = SecurityHubBackend.enable_security_hub
    original_disable = SecurityHubBackend.disable_security_hub

    def enable_security_hub(self: Any, enable_default_standards: bool = True, tags: Any = None) -> Any:
        was_enabled = self.enabled
        result = original_enable(self, enable_default_standards=enable_default_standards, tags=tags)
        if not was_enabled and enable_default_standards:
            for arn in _default_arns(self.region_name):
                _subscribe(self, arn)
        return result

    def disable_security_hub(self: Any) -> Any:
        result = original_disable(self)
        _subscriptions(self).clear()
        return result

    SecurityHubBackend.enable_security_hub = enable_security_hub
    SecurityHubBackend.disable_security_hub = disable_security_hub


def _patch_responses() -> None:
    from moto.securityhub.exceptions import SecurityHubClientError
    from moto.securityhub.responses import SecurityHubResponse

    def get_enabled_standards(self: Any) -> str:
        backend = self.securityhub_backend
        _require_hub(backend)
        wanted = self._get_param("StandardsSubscriptionArns")
        subs = [s for arn, s in _subscriptions(backend).items() if not wanted or arn in wanted]
        return json.dumps({"StandardsSubscriptions": subs})

    def batch_enable_standards(self: Any) -> str:
        backend = self.securityhub_backend
        _require_hub(backend)
        requests = self._get_param("StandardsSubscriptionRequests") or []
        subs = [_subscribe(backend, r["StandardsArn"]) for r in requests]
        return json.dumps({"StandardsSubscriptions": subs})

    def batch_disable_standards(self: Any) -> str:
        backend = self.securityhub_backend
        _require_hub(backend)
        subs = []
        for arn in self._get_param("StandardsSubscriptionArns") or []:
            found = _subscriptions(backend).pop(arn, None)
            if found is None:
                raise SecurityHubClientError("ResourceNotFoundException", f"No subscription {arn}")
            subs.append({**found, "StandardsStatus": "DELETING"})
        return json.dumps({"StandardsSubscriptions": subs})

    def describe_standards(self: Any) -> str:
        defaults = _default_arns(self.region)
        standards = [
            {"StandardsArn": a, "Name": a.split("/", 1)[1], "EnabledByDefault": a in defaults}
            for a in _standards_arns(self.region)
        ]
        return json.dumps({"Standards": standards})

    def list_organization_admin_accounts(self: Any) -> str:
        backend = self.securityhub_backend
        org = backend.org_backend.describe_organization()["Organization"]
        if backend.account_id != org["MasterAccountId"]:
            raise SecurityHubClientError(
                "AccessDeniedException", "Only the organization management account can list admin accounts."
            )
        admin = backend._get_org_config()["admin_account_id"]
        accounts = [{"AccountId": admin, "Status": "ENABLED"}] if admin else []
        return json.dumps({"AdminAccounts": accounts})

    SecurityHubResponse.get_enabled_standards = get_enabled_standards
    SecurityHubResponse.batch_enable_standards = batch_enable_standards
    SecurityHubResponse.batch_disable_standards = batch_disable_standards
    SecurityHubResponse.describe_standards = describe_standards
    SecurityHubResponse.list_organization_admin_accounts = list_organization_admin_accounts


def _patch_urls() -> None:
    from moto.securityhub import urls
    from moto.securityhub.responses import SecurityHubResponse

    for path in (
        "standards",
        "standards/get",
        "standards/register",
        "standards/deregister",
        "organization/admin",
    ):
        urls.url_paths.setdefault("{0}/" + path + "$", SecurityHubResponse.dispatch)


def apply() -> None:
    _patch_backend()
    _patch_responses()
    _patch_urls()
