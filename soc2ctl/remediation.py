"""The remediation module contract.

A remediation module knows one kind of setting. It declares its scope, its parameter schema (a pydantic
model), the SOC 2 criteria it serves and the IAM actions it reads and writes; it implements `read` (observed
state as plain JSON data), optionally `desired` (what the state should be, in the same shape) and `apply`
(the writes that make observed match desired). The engine does everything else: templating, diffing,
ordering, retries, verification, evidence. A module never decides whether to write: `apply` is only called
when the diff is non-empty, and the engine re-reads afterwards to verify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from botocore.client import BaseClient
from pydantic import BaseModel, ConfigDict

from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.engine.diff import Change


class UnsafeChange(Exception):
    """Raised by `Remediation.guard` when a change must not be applied (e.g. an SCP that would lock out the
    executor). The task is reported as an error in the plan, and apply refuses it."""


class Scope(StrEnum):
    ORG = "org"  # once per organization, in the management (or delegated admin) account, home region
    ACCOUNT = "account"  # once per account: global settings, called in the home region
    REGION = "region"  # once per account and region


class Params(BaseModel):
    """Base for module parameter schemas: unknown parameters are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class TaskContext:
    """Where a task runs, and the clients to read and write there."""

    sessions: AwsSessions
    account_id: str
    account_name: str
    region: str
    home_region: str
    management_account_id: str
    vars: dict[str, Any] = field(default_factory=dict)
    # Resources a control of this run provides that may not exist yet (at plan time, before it applied): a
    # module does not refuse, or fail to read, for want of one of these. See `Requirement`.
    pending: frozenset[Resource] = frozenset()

    def client(self, service: str, *, region: str | None = None, account_id: str | None = None) -> BaseClient:
        return self.sessions.client(account_id or self.account_id, region or self.region, service)

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        return f"arn:aws:{service}:{self.region if region is None else region}:{self.account_id}:{resource}"


@dataclass(frozen=True)
class Target:
    """Where a task runs, as known before any AWS call: what `provides` and `requires` may use."""

    account_id: str
    region: str
    home_region: str
    management_account_id: str


@dataclass(frozen=True)
class Resource:
    """Something a control makes exist and another control needs: a kind and a name unique within it
    (a bucket name; `account/region/name` for account-local things). Providers and users meet by equality."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Requirement:
    """A precondition of a task: `resource` must exist (and be usable) for the control to do its job.

    `check` reads (never writes) and returns None when the resource is there, else why not. When a control
    of the same playbook provides the resource, the engine orders that control first and does not check at
    plan time (it will exist once the provider has applied); otherwise an unmet check is a precondition
    error of the task, before any write."""

    resource: Resource
    check: Callable[[TaskContext], str | None] = field(compare=False, repr=False)


class Remediation:
    """Base class of every remediation module; subclasses are small and declarative."""

    name: ClassVar[str]
    scope: ClassVar[Scope]
    criteria: ClassVar[tuple[str, ...]] = ()
    read_actions: ClassVar[tuple[str, ...]] = ()
    write_actions: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type[BaseModel]] = Params
    detect_only: ClassVar[bool] = False
    home_region_only: ClassVar[bool] = False  # region-scope control evaluated in the home region only
    human_step: ClassVar[str | None] = None  # what a person must do, for findings no API can fix
    sensitive_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or cls.name).strip().splitlines()[0]

    def read(self, ctx: TaskContext, params: Any) -> Any:
        raise NotImplementedError

    def detects_only(self, params: Any) -> bool:
        """Whether this task only reports. Override when a fix is opt-in through a parameter."""
        return self.detect_only

    def provides(self, target: Target, params: Any) -> list[Resource]:
        """What this task makes exist, so tasks that require it are ordered after it. No AWS calls."""
        return []

    def requires(self, target: Target, params: Any) -> list[Requirement]:
        """What must exist outside this task for its control to be effective. No AWS calls here: the
        checks run when the task is read."""
        return []

    def guard(self, ctx: TaskContext, params: Any, observed: Any, changes: list[Change]) -> None:
        """Raise `UnsafeChange` to refuse a change that is unsafe to apply. Runs at plan and apply time."""

    def desired(self, ctx: TaskContext, params: Any, observed: Any) -> dict[str, Any]:
        """By default, desired state is the parameters themselves (unset parameters are not managed)."""
        return params.model_dump(exclude_none=True)

    def apply(self, ctx: TaskContext, params: Any, observed: Any, changes: list[Change]) -> None:
        raise NotImplementedError(f"{self.name} cannot apply changes")
