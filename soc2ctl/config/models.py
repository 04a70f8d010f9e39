"""The validated shapes of inventories and playbooks.

Models forbid unknown keys: a typo such as `depend_on` must be an error with a line number, not a silently
ignored setting in a tool that changes production security configuration.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from soc2ctl.config.yamlsrc import line_of, load_yaml
from soc2ctl.errors import Problem, UserError
from soc2ctl.remediation import AccountId, _account_id

M = TypeVar("M", bound="BaseModel")


_HOST = re.compile(r"^((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)*((?!-)[A-Za-z0-9-]{1,63}(?<!-))$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# ---------------------------------------------------------------- inventory


class OrganizationSettings(Strict):
    discover: bool = False
    role_name: str = "OrganizationAccountAccessRole"
    external_id: str | None = None
    include_management: bool = Field(
        default=False, description="Make the management account itself a target of account/region controls."
    )
    management_account: str | None = Field(
        default=None, description="Management account id; discovered from the caller when omitted."
    )
    break_glass_role: str | None = Field(default=None, description="Role name that SCPs must never lock out.")
    security_tooling_account: str | None = Field(
        default=None,
        description="Account id or name that administers security services; unset: the management account.",
    )
    log_archive_account: str | None = Field(
        default=None, description="Account id or name that keeps the central log buckets; unset: management."
    )

    @field_validator(
        "security_tooling_account",
        "log_archive_account",
        mode="before",
        json_schema_input_type=str | int | None,
    )
    @classmethod
    def _designated_as_text(cls, value: Any) -> Any:
        return _account_id(value) if isinstance(value, int) else value


class AccountEntry(Strict):
    name: str | None = None
    ou: str | None = Field(default=None, description="OU path for static accounts, e.g. Workloads/Prod")
    tags: dict[str, str] = Field(default_factory=dict)
    regions: list[str] | None = None
    vars: dict[str, Any] = Field(default_factory=dict)


class GroupEntry(Strict):
    """An account joins the group if any selector matches: an OU path (or below), all tags, or the list."""

    ous: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    accounts: list[str] = Field(default_factory=list)
    priority: int = Field(default=0, description="Higher wins when two groups set the same variable.")
    vars: dict[str, Any] = Field(default_factory=dict)

    @field_validator("accounts", mode="before", json_schema_input_type=list[str | int])
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class InventoryFile(Strict):
    organization: OrganizationSettings = Field(default_factory=OrganizationSettings)
    regions: list[str] = Field(default_factory=lambda: ["us-east-1"], min_length=1)
    home_region: str | None = Field(default=None, description="Where global and organization controls run.")
    accounts: dict[AccountId, AccountEntry] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"pattern": "^[0-9]{12}$"}}
    )
    groups: dict[str, GroupEntry] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)
    endpoint_url: str | None = Field(default=None, description="AWS endpoint override (LocalStack, moto).")
    sandbox: bool = Field(default=False, description="Run against the built-in sandbox organization.")
    signing_key: str | None = Field(
        default=None, description="KMS asymmetric key that signs plans and seals."
    )

    @field_validator("exclude", mode="before", json_schema_input_type=list[str | int])
    @classmethod
    def _excluded_ids(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        """botocore raises deep inside client creation on a malformed URL; say it here, with the line."""
        if value is None:
            return value
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError as exc:
            raise ValueError(f"endpoint_url {value!r}: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
            raise ValueError(f"endpoint_url {value!r}: expected http(s)://HOST[:PORT]")
        if not _valid_host(parts.hostname):  # botocore's own rule (utils.is_valid_endpoint_url)
            raise ValueError(f"endpoint_url {value[:80]!r}: host name too long or malformed")
        return value


def _valid_host(host: str) -> bool:
    """At most 255 characters; dot-separated labels of 1 to 63 letters, digits and inner hyphens (or an
    IPv6 literal), as botocore requires before it will create a client."""
    if ":" in host:
        return True
    return len(host) <= 255 and bool(_HOST.match(host.rstrip(".")))


# ---------------------------------------------------------------- playbook


class ExceptionEntry(Strict):
    """A documented, expiring exemption of accounts/regions/resources from one control."""

    accounts: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    justification: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: dt.date = Field(description="Last day the exception applies (YYYY-MM-DD).")

    @field_validator("accounts", mode="before", json_schema_input_type=list[str | int])
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class ControlSpec(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    remediation: str
    desired: dict[str, Any] = Field(default_factory=dict)
    criteria: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    risk: Risk | None = Field(default=None, description="Overrides the module's default risk rating.")
    auto_remediate: bool = False
    hosts: str | None = Field(default=None, description="Narrow this control to a host pattern.")
    account: str | None = Field(
        default=None,
        pattern=r"^(management|security_tooling|log_archive|\d{12})$",
        description="Run only in this account: management, security_tooling, log_archive (the inventory's "
        "designated accounts) or an account id, whether or not the account is a target otherwise.",
    )
    regions: list[str] | None = None
    exceptions: list[ExceptionEntry] = Field(default_factory=list)
    description: str | None = None


class DriftSettings(Strict):
    """Blast-radius limits of `soc2ctl drift --remediate` (tasks changed per run and per account)."""

    max_changes: int | None = Field(default=None, ge=0)
    max_changes_per_account: int | None = Field(default=None, ge=0)


MAX_IMPORTS = 64


class PlaybookFile(Strict):
    name: str
    hosts: str = "all"
    regions: list[str] | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    imports: list[str] = Field(
        default_factory=list,
        alias="import",
        max_length=MAX_IMPORTS,
        description="Other playbooks whose controls this run includes, each with its own hosts, regions and "
        "vars (Ansible's import_playbook); paths relative to this file, or a shipped playbook's name.",
    )
    controls: list[ControlSpec] = Field(default_factory=list)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    signing_key: str | None = Field(
        default=None, description="KMS asymmetric key that signs plans and seals."
    )

    @field_validator("imports")
    @classmethod
    def _import_paths(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.strip() or len(entry) > 1024 or "\x00" in entry:
                raise ValueError(
                    f"import {entry[:80]!r}: expected a path to a playbook (at most 1024 characters)"
                )
        return value

    @model_validator(mode="after")
    def _controls_or_imports(self) -> PlaybookFile:
        if not self.controls and not self.imports:
            raise ValueError(
                "controls: a playbook needs at least one control (or `import` of other playbooks)"
            )
        return self


def load_model(model: type[M], path: Path) -> tuple[M, Any]:
    """Load and validate a YAML file; every schema error is reported with its line."""
    raw = load_yaml(path)
    if raw is None:
        raise UserError(Problem("file is empty", str(path)))
    try:
        return model.model_validate(raw), raw
    except ValidationError as exc:
        raise UserError(schema_problems(exc, raw, str(path))) from None


def schema_problems(exc: ValidationError, raw: Any, file: str, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        problems.append(Problem(f"{dotted}: {msg}", file, line_of(raw, loc)))
    return problems
