"""GuardDuty: DescribeOrganizationConfiguration and UpdateOrganizationConfiguration (missing from moto 5.2).

The organization configuration lives in the delegated administrator's detector, per region. As in AWS, both
calls need an existing detector of the caller, and the caller must be the GuardDuty administrator designated
by the management account in that region (BadRequestException otherwise). Features the caller never set
read back as `NONE`; an update leaves unlisted features unchanged.
"""

from __future__ import annotations

import json
from typing import Any

_FEATURES = (
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
)
_AUTO_ENABLE = ("NEW", "ALL", "NONE")


def _bad_request(message: str) -> Exception:
    from moto.guardduty.exceptions import GuardDutyException

    class BadRequest(GuardDutyException):
        code = 400

        def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
            return [("X-Amzn-ErrorType", "BadRequestException")]

    return BadRequest("BadRequestException", message)


def _config(backend: Any) -> dict[str, Any]:
    """Per admin account and region; created lazily so backends built before `apply()` work too."""
    return backend.__dict__.setdefault(
        "organization_configuration", {"AutoEnableOrganizationMembers": "NONE", "Features": {}}
    )


def _require_admin(backend: Any, detector_id: str) -> None:
    from moto.guardduty.models import guardduty_backends
    from moto.organizations.models import organizations_backends
    from moto.utilities.utils import get_partition

    backend.get_detector(detector_id)  # DetectorNotFoundException as AWS
    try:
        partition = get_partition(backend.region_name)
        org = organizations_backends[backend.account_id][partition].describe_organization()["Organization"]
    except Exception:
        raise _bad_request(
            "The request is rejected because the account is not part of an organization."
        ) from None
    management = guardduty_backends[org["MasterAccountId"]][backend.region_name]
    if backend.account_id not in management.admin_account_ids:
        raise _bad_request(
            "The request is rejected because the current account is not the GuardDuty delegated administrator."
        )


def _describe(config: dict[str, Any]) -> dict[str, Any]:
    members = config["AutoEnableOrganizationMembers"]
    features = [
        {"name": name, "autoEnable": config["Features"].get(name, {}).get("autoEnable", "NONE")}
        | _additional(config["Features"].get(name, {}))
        for name in _FEATURES
    ]
    s3 = config["Features"].get("S3_DATA_EVENTS", {}).get("autoEnable", "NONE") != "NONE"
    return {
        "autoEnable": members != "NONE",
        "autoEnableOrganizationMembers": members,
        "memberAccountLimitReached": False,
        "dataSources": {"s3Logs": {"autoEnable": s3}},
        "features": features,
    }


def _additional(feature: dict[str, Any]) -> dict[str, Any]:
    extra = feature.get("additionalConfiguration")
    return {"additionalConfiguration": extra} if extra else {}


def _update(
    config: dict[str, Any], members: str | None, auto_enable: bool | None, features: list[Any]
) -> None:
    if members is None and auto_enable is not None:  # the deprecated flag means NEW or NONE
        members = "NEW" if auto_enable else "NONE"
    if members is not None:
        if members not in _AUTO_ENABLE:
            raise _bad_request(
                f"The request is rejected because autoEnableOrganizationMembers {members} is invalid."
            )
        config["AutoEnableOrganizationMembers"] = members
    for feature in features:
        name, value = feature.get("name"), feature.get("autoEnable", "NONE")
        if name not in _FEATURES or value not in _AUTO_ENABLE:
            raise _bad_request(f"The request is rejected because feature {name}={value} is invalid.")
        stored = {"autoEnable": value}
        if feature.get("additionalConfiguration"):
            stored["additionalConfiguration"] = feature["additionalConfiguration"]
        config["Features"][name] = stored


def apply() -> None:
    from moto.guardduty import urls
    from moto.guardduty.responses import GuardDutyResponse

    def describe_organization_configuration(self: Any) -> str:
        backend = self.guardduty_backend
        _require_admin(backend, self.path.split("/")[-2])
        return json.dumps(_describe(_config(backend)))

    def update_organization_configuration(self: Any) -> str:
        backend = self.guardduty_backend
        _require_admin(backend, self.path.split("/")[-2])
        _update(
            _config(backend),
            self._get_param("autoEnableOrganizationMembers"),
            self._get_param("autoEnable"),
            self._get_param("features") or [],
        )
        return "{}"

    GuardDutyResponse.describe_organization_configuration = describe_organization_configuration
    GuardDutyResponse.update_organization_configuration = update_organization_configuration
    urls.url_paths.setdefault("{0}/detector/(?P<detector_id>[^/]+)/admin$", GuardDutyResponse.dispatch)
