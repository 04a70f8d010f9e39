"""The helpers a remediation module may use, next to the contract in `soc2ctl.remediation`.

Modules import only these two: the import-contract linter (tests/test_architecture.py) fails a module that
reaches into the engine, the registry or the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from soc2ctl.aws.organizations import OrgNode, walk_organization
from soc2ctl.policy.documents import normalise_policy
from soc2ctl.policy.scp_eval import Denial, denials, effective_denials

__all__ = [
    "Denial",
    "FieldMap",
    "OrgNode",
    "denials",
    "effective_denials",
    "error_code",
    "kms_arn",
    "normalise_policy",
    "or_absent",
    "paginate",
    "walk_organization",
]

T = TypeVar("T")


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def or_absent(call: Callable[[], T], *codes: str) -> T | None:
    """The call's result, or None when AWS says the thing does not exist (one of `codes`)."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def kms_arn(key: str | None, region: str, account_id: str) -> str | None:
    """Key ids and alias names as full ARNs, so `alias/x` and its ARN never show as a difference."""
    if not key or key.startswith("arn:"):
        return key
    if key.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account_id}:{key}"
    return f"arn:aws:kms:{region}:{account_id}:key/{key}"


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of a paginated list call (resource-level controls must never stop at page one)."""
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


def pascal(name: str) -> str:
    """`block_public_acls` -> `BlockPublicAcls`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def snake(name: str) -> str:
    """`BlockPublicAcls` -> `block_public_acls`."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True)
class FieldMap:
    """Parameter names (snake_case, as a reviewer writes them) to AWS field names (PascalCase) and back:
    the one translation, so no module keeps its own table."""

    aws_names: Mapping[str, str]

    @classmethod
    def of(cls, *names: str) -> FieldMap:
        return cls({name: pascal(name) for name in names})

    def from_aws(self, data: Mapping[str, Any], default: Any = None) -> dict[str, Any]:
        """The mapped fields of an AWS response by parameter name; a field AWS omits reads as `default`
        (or is left out when `default` is None)."""
        return {
            name: data.get(aws, default)
            for name, aws in self.aws_names.items()
            if aws in data or default is not None
        }

    def to_aws(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The mapped entries of `values` (parameter names) as AWS request fields."""
        return {aws: values[name] for name, aws in self.aws_names.items() if name in values}
