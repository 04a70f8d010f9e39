"""KMS: ListKeys pages, rotation periods, AWS-managed keys and the keys AWS cannot rotate.

moto gets four things wrong that a key-rotation control depends on:
- ListKeys ignores Limit and Marker (always one page), so pagination would go untested;
- EnableKeyRotation ignores RotationPeriodInDays and GetKeyRotationStatus never returns it;
- the keys behind `alias/aws/*` report KeyManager CUSTOMER (AWS: AWS, rotated yearly by AWS);
- EnableKeyRotation succeeds on keys AWS refuses to rotate (asymmetric, HMAC, imported material, custom key
  stores, multi-Region replicas: UnsupportedOperationException; not Enabled: KMSInvalidStateException).
"""

from __future__ import annotations

import json
from typing import Any

_DEFAULT_PERIOD_DAYS = 365


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _refuse_rotation(key: Any) -> None:
    """Raise as AWS does when a key's rotation cannot be turned on."""
    replica = getattr(key, "multi_region_configuration", {}).get("MultiRegionKeyType") == "REPLICA"
    aws_managed = key.key_manager == "AWS"
    if key.key_spec != "SYMMETRIC_DEFAULT" or key.origin != "AWS_KMS" or replica or aws_managed:
        raise _error("UnsupportedOperationException", f"{key.arn} does not support automatic rotation.")
    if key.key_state != "Enabled":
        raise _error("KMSInvalidStateException", f"{key.arn} is {key.key_state}.")


def _list_keys(self: Any) -> str:
    keys = list(self.kms_backend.list_keys())
    limit = int(self._get_param("Limit") or 100)
    start = int(self._get_param("Marker") or 0)
    page = keys[start : start + limit]
    more = start + limit < len(keys)
    body: dict[str, Any] = {"Keys": [{"KeyArn": k.arn, "KeyId": k.id} for k in page], "Truncated": more}
    if more:
        body["NextMarker"] = str(start + limit)
    return json.dumps(body)


def _enable_key_rotation(self: Any) -> str:
    key_id = self._get_param("KeyId")
    self._validate_cmk_id(key_id)
    key = self.kms_backend.describe_key(self.kms_backend.get_key_id(key_id))
    period = self._get_param("RotationPeriodInDays") or _DEFAULT_PERIOD_DAYS
    if not 90 <= int(period) <= 2560:
        raise _error("ValidationException", "RotationPeriodInDays must be between 90 and 2560.")
    _refuse_rotation(key)
    key.key_rotation_status = True
    key.rotation_period_in_days = int(period)
    return json.dumps(None)


def _get_key_rotation_status(self: Any) -> str:
    key_id = self._get_param("KeyId")
    self._validate_cmk_id(key_id)
    key = self.kms_backend.describe_key(self.kms_backend.get_key_id(key_id))
    body: dict[str, Any] = {"KeyId": key.arn, "KeyRotationEnabled": key.key_rotation_status}
    if key.key_rotation_status:
        body["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", _DEFAULT_PERIOD_DAYS)
    return json.dumps(body)


def apply() -> None:
    from moto.kms.models import KmsBackend
    from moto.kms.responses import KmsResponse

    generate_default_keys = KmsBackend._generate_default_keys

    def _generate_aws_managed_keys(self: Any, alias_name: str) -> str | None:
        key_id = generate_default_keys(self, alias_name)
        if key_id is not None:
            key = self.keys[key_id]
            key.key_manager = "AWS"
            key.key_rotation_status = True  # AWS rotates its managed keys every year, always
        return key_id

    KmsBackend._generate_default_keys = _generate_aws_managed_keys
    KmsResponse.list_keys = _list_keys
    KmsResponse.enable_key_rotation = _enable_key_rotation
    KmsResponse.get_key_rotation_status = _get_key_rotation_status
