"""IAM: the root user's MFA and access keys, which moto 5.2 cannot represent.

moto hard-codes `AccountMFAEnabled` and `AccountAccessKeysPresent` to 0 in `GetAccountSummary`, and has no
root user to assign a virtual MFA device to. No API can enrol root MFA or create root access keys in AWS
either (a person does it in the console), so the state is set here, on the account's IAM backend, by tests
and sandbox seeds (same process as moto): `set_root_mfa(account, "virtual" | "hardware" | None)` and
`set_root_access_keys(account, True)`; `backdate_access_key` ages a key (moto stamps keys with the creation
time and no API can change it). `GetAccountSummary` then reports them as AWS does, and a virtual root
device is listed by `ListVirtualMFADevices` as AWS lists it: serial `...:mfa/root-account-mfa-device`,
assigned to the user `arn:<partition>:iam::<account>:root`. Each takes the region whose partition's IAM
backend to change (moto keeps one per partition): `us-east-1` unless given.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Literal

RootMfa = Literal["virtual", "hardware"] | None
_ROOT_DEVICE = "/root-account-mfa-device"


def _backend(account_id: str, region: str) -> Any:
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    return iam_backends[account_id][get_partition(region)]


def set_root_mfa(account_id: str, kind: RootMfa, region: str = "us-east-1") -> None:
    """Enrol (or remove, with None) the root user's MFA device of the given kind."""
    from moto.core.utils import utcnow
    from moto.iam.models import VirtualMfaDevice
    from moto.utilities.utils import get_partition

    backend = _backend(account_id, region)
    backend.root_mfa = kind
    device = VirtualMfaDevice(account_id, region, _ROOT_DEVICE)
    backend.virtual_mfa_devices.pop(device.serial_number, None)
    if kind == "virtual":
        device.enable_date = utcnow()
        device.user = SimpleNamespace(  # what AWS returns as the device's User for the root user
            path="/",
            user_name=account_id,
            user_id=account_id,
            arn=f"arn:{get_partition(region)}:iam::{account_id}:root",
            create_date=device.enable_date,
            password_last_used=None,
            permissions_boundary=None,
            tags=[],
        )
        backend.virtual_mfa_devices[device.serial_number] = device


def set_root_access_keys(account_id: str, present: bool, region: str = "us-east-1") -> None:
    """Whether the root user has access keys (AWS: created by a person signed in as root)."""
    _backend(account_id, region).root_access_keys = present


def backdate_access_key(account_id: str, access_key_id: str, days: int, region: str = "us-east-1") -> None:
    """Make a key `days` old (AWS cannot backdate either; seeds need keys that are due for rotation)."""
    from datetime import timedelta

    key = _backend(account_id, region).access_keys[access_key_id]
    key.create_date = key.create_date - timedelta(days=days)


def _summary_flag(attribute: str, truthy: Any) -> property:
    """A read-only view of the backend's root state; the setter swallows moto's hard-coded 0."""

    def get(summary: Any) -> int:
        return 1 if truthy(getattr(summary._iam_backend, attribute, None)) else 0

    def set_(summary: Any, value: Any) -> None:
        return None

    return property(get, set_)


def apply() -> None:
    from moto.iam.models import AccountSummary

    AccountSummary._account_mfa_enabled = _summary_flag("root_mfa", lambda kind: kind is not None)
    AccountSummary._account_access_keys_present = _summary_flag("root_access_keys", bool)


def set_password_last_used(account_id: str, user_name: str, days_ago: int, region: str = "us-east-1") -> None:
    """When a user last signed in to the console (AWS records it; no API sets it): seeds need stale ones."""
    from datetime import timedelta

    from moto.core.utils import utcnow

    _backend(account_id, region).users[user_name].password_last_used = utcnow() - timedelta(days=days_ago)
