"""The remediation module contract: the public API a module imports (with `remediations._aws`).

A remediation module knows one kind of setting. It declares its scope, its parameter schema (the pydantic
model it is generic over: `class IamPasswordPolicy(Remediation[PasswordPolicyParams])`), the SOC 2 criteria
it serves and the IAM actions it reads and writes; it implements `read` (observed state as plain JSON data),
optionally `desired` (what the state should be, in the same shape) and `apply` (the writes that make
observed match desired). The engine does everything else: templating, diffing, ordering, retries,
verification, evidence. A module never decides whether to write: `apply` is only called when the diff is
non-empty, with the `PlannedChange` the engine computed (params, observed, desired, changes), and the engine
re-reads afterwards to verify.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict

from soc2ctl.aws import partitions

if TYPE_CHECKING:  # annotations only: `soc2ctl controls` lists the modules without loading botocore's clients
    from botocore.client import BaseClient

    from soc2ctl.aws.sessions import AwsSessions

_PLAIN_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


class UnsafeChange(Exception):
    """Raised by `Remediation.guard` when a change must not be applied (e.g. an SCP that would lock out the
    executor). The task is reported as an error in the plan, and apply refuses it."""


class Scope(StrEnum):
    ORG = "org"  # once per organization, in the management (or delegated admin) account, home region
    ACCOUNT = "account"  # once per account: global settings, called in the home region
    REGION = "region"  # once per account and region


class Params(BaseModel):
    """Base for module parameter schemas: unknown parameters are errors, not silently ignored."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, defer_build=True
    )  # built on first use: fast `controls`


P = TypeVar("P", bound=BaseModel)


def _account_id(value: Any) -> str:
    """Unquoted ids arrive as YAML integers; accept them, but a lost leading zero must be an error."""
    text = str(value)
    if not ACCOUNT_ID.match(text):
        raise ValueError(f'account id {value!r} is not 12 digits (quote ids in YAML: "012345678901")')
    return text


AccountId = Annotated[str, BeforeValidator(_account_id)]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def same(a: Any, b: Any) -> bool:
    """Semantic equality, as the engine's diff compares: JSON-equal values are equal whatever their key order."""
    return canonical(a) == canonical(b)


@lru_cache(maxsize=8192)
def join_path(keys: tuple[str, ...]) -> str:
    """`a.b` for plain keys, `[arn:PARTITION:kms:...:key/1].rotation` for keys that hold dots, colons or slashes:
    the form a reviewer reads in a plan. Code never parses it back; it uses `Change.keys`. Cached: every
    account's task has the same few paths."""
    return ".".join(s if _PLAIN_SEGMENT.match(s) else f"[{s}]" for s in keys)


@dataclass(frozen=True)
class Change:
    """One difference between observed and desired state, at `keys` (e.g. `("arn:...:key/1", "rotation")`)."""

    keys: tuple[str, ...]
    before: Any
    after: Any
    # Set by the engine's diff, which knows whether the resource holding the field exists: a value set on an
    # existing resource is an update even where the field was unset (None) before.
    in_existing: bool = False

    @property
    def path(self) -> str:
        return join_path(self.keys)

    @property
    def action(self) -> str:
        """`create` only when a resource is absent: the whole state of the module (top level) or a whole
        object added to a map that exists (a new statement, a new resource in a resource map)."""
        if self.before is None:
            if self.in_existing and not isinstance(self.after, Mapping):
                return "update"
            return "create"
        if self.after is None:
            return "delete"
        return "update"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class PlannedChange(Generic[P]):
    """What the engine computed for one task and hands to `guard` and `apply`: nothing to recompute."""

    params: P
    observed: Any
    desired: dict[str, Any]
    changes: tuple[Change, ...]

    def touches(self, *keys: str) -> bool:
        """Whether any change lies at or under `keys` (e.g. `touches(arn)` for one resource's settings)."""
        return any(c.keys[: len(keys)] == keys for c in self.changes)

    def changed_keys(self) -> list[str]:
        """The top-level keys that differ, in plan order (e.g. the resources to fix in a resource map)."""
        return list(dict.fromkeys(c.keys[0] for c in self.changes if c.keys))


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
    # Every IAM action any registered module declares (`module_actions`): what an SCP must never deny
    # soc2ctl. Asked for on use, since knowing it imports every module, which most runs never need.
    declared_actions: Callable[[], frozenset[str]] = frozenset
    # Resources a control of this run provides that may not exist yet (at plan time, before it applied): a
    # module does not refuse, or fail to read, for want of one of these. See `Requirement`.
    pending: frozenset[Resource] = frozenset()
    # The run's AWS partition (soc2ctl.aws.partitions): every ARN a module writes is built in it.
    partition: str = partitions.DEFAULT

    @property
    def module_actions(self) -> frozenset[str]:
        return self.declared_actions()

    def client(self, service: str, *, region: str | None = None, account_id: str | None = None) -> BaseClient:
        return self.sessions.client(account_id or self.account_id, region or self.region, service)

    def arn(
        self, service: str, resource: str, *, region: str | None = None, account_id: str | None = None
    ) -> str:
        """An ARN in the run's partition, in this task's region and account unless given (`""` for none:
        IAM ARNs have no region, S3 ARNs neither region nor account)."""
        region = self.region if region is None else region
        return partitions.arn(
            self.partition, service, region, self.account_id if account_id is None else account_id, resource
        )


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


@dataclass(frozen=True)
class ManagedElsewhere:
    """The resources a task reads belong to another tool (AWS Control Tower, a landing zone, Terraform).

    soc2ctl still reads and compares them, so the control is evidenced, but never writes to them: a
    difference is a detect finding with `human_step` (how to fix it in the tool that owns it), and the plan
    shows the task as managed elsewhere. `by` names the owner, `resources` what was recognised and how."""

    by: str
    resources: tuple[str, ...]
    human_step: str

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "resources": list(self.resources), "human_step": self.human_step}


@dataclass(frozen=True)
class HeldBack:
    """Changes `apply` leaves to a person (see Remediation.held_back), and the note that says who and how.

    All of a task's changes held: the task is a detect finding with that note. Some: the plan shows the
    task with the changes apply makes, and these beside them as held back, so a reviewer approves exactly
    what apply will write."""

    note: ManagedElsewhere
    changes: tuple[Change, ...]

    def split(self, changes: list[Change]) -> tuple[list[Change], HeldBack | None, ManagedElsewhere | None]:
        """(the changes apply makes, what is held back beside them, the note when all are held)."""
        if not self.changes:
            return changes, None, None
        rest = [c for c in changes if c not in self.changes]
        return (changes, None, self.note) if not rest else (rest, self, None)

    def to_json(self) -> dict[str, Any]:
        return {**self.note.to_json(), "changes": [c.to_json() for c in self.changes]}


class Remediation(Generic[P]):
    """Base class of every remediation module; subclasses are small and declarative.

    The parameter model comes from the generic argument, so `read(self, ctx, params: MyParams)` and
    `apply(self, ctx, change: PlannedChange[MyParams])` are typed without a second declaration.
    """

    name: ClassVar[str]
    scope: ClassVar[Scope]
    criteria: ClassVar[tuple[str, ...]] = ()
    # The crosswalk an auditor checks against the tools they know: the Prowler check ids, AWS Config managed
    # rule identifiers and Security Hub control ids that test the condition this module enforces.
    prowler_checks: ClassVar[tuple[str, ...]] = ()
    config_rules: ClassVar[tuple[str, ...]] = ()
    securityhub_controls: ClassVar[tuple[str, ...]] = ()
    read_actions: ClassVar[tuple[str, ...]] = ()
    write_actions: ClassVar[tuple[str, ...]] = ()
    # Writes made only when a parameter turns on the fix they serve ({parameter: actions}, each also in
    # `write_actions`): `iam-policy` grants them only where a control sets that parameter (truthy), so an
    # opt-in fix that is off (iam-user-mfa's deny policy) grants nothing that could escalate. The contract
    # suite fails a call made under a parameter that no run of the test turned on.
    conditional_writes: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    Params: ClassVar[type[BaseModel]] = Params
    detect_only: ClassVar[bool] = False
    home_region_only: ClassVar[bool] = False  # region-scope control evaluated in the home region only
    human_step: ClassVar[str | None] = None  # what a person must do, for findings no API can fix
    sensitive_fields: ClassVar[frozenset[str]] = frozenset()
    # What a change can break, for the reviewer (a playbook control may override it): `high` when it can
    # lock people or workloads out or stop logging/evidence, `medium` when it changes behaviour people or
    # workloads notice (cost, blocked sharing, new findings), `low` when it only adds protection.
    risk: ClassVar[str] = "medium"
    # Organization-scope modules: whether the management account is among the accounts a change reaches
    # (SCPs never restrict it).
    reaches_management: ClassVar[bool] = True
    # Account- and region-scope modules, in the management account (when the inventory includes it):
    # `fix` as anywhere; `detect` reports there but never writes (a write could cut off the people or the
    # credentials that run the organization, which no SCP limits); `skip` must not run there at all.
    # `management_reason` says why, for `soc2ctl controls` and docs/controls.md.
    in_management: ClassVar[str] = "fix"
    management_reason: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Remediation and isinstance(model := get_args(base)[0], type):
                cls.Params = model

    @classmethod
    def writes_for(cls, params: Any) -> frozenset[str]:
        """The write actions `apply` may call with these parameters (a model, or any object with the
        `conditional_writes` parameters as attributes); all of them when they are unknown (None)."""
        if params is None:
            return frozenset(cls.write_actions)
        on = {a for p, acts in cls.conditional_writes.items() if getattr(params, p, None) for a in acts}
        off = {a for acts in cls.conditional_writes.values() for a in acts} - on
        return frozenset(cls.write_actions) - off

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or cls.name).strip().splitlines()[0]

    def read(self, ctx: TaskContext, params: P) -> Any:
        raise NotImplementedError

    def reach_targets(self, params: P, observed: Any) -> list[str] | None:
        """Organization-scope modules: the root, OU or account ids a change here reaches (before and after
        it); None means the whole organization. See soc2ctl.engine.reach."""
        return None

    def detects_only(self, params: P) -> bool:
        """Whether this task only reports. Override when a fix is opt-in through a parameter."""
        return self.detect_only

    def managed_elsewhere(self, params: P, observed: Any) -> ManagedElsewhere | None:
        """Whether what `read` found belongs to another tool (see `ManagedElsewhere`): then the engine
        never applies, and reports any difference as a detect finding. No AWS calls: decide from `observed`."""
        return None

    def held_back(self, params: P, observed: Any, changes: list[Change]) -> HeldBack | None:
        """The changes this task must not make (an opt-in write that is off: the resource belongs to the
        deploy template), with what a person must do instead; `apply` skips them itself. No AWS calls."""
        return None

    def provides(self, target: Target, params: P) -> list[Resource]:
        """What this task makes exist, so tasks that require it are ordered after it. No AWS calls."""
        return []

    def requires(self, target: Target, params: P) -> list[Requirement]:
        """What must exist outside this task for its control to be effective. No AWS calls here: the
        checks run when the task is read."""
        return []

    def desired(self, ctx: TaskContext, params: P, observed: Any) -> dict[str, Any]:
        """By default, desired state is the parameters themselves (unset parameters are not managed)."""
        return params.model_dump(exclude_none=True)

    def guard(self, ctx: TaskContext, change: PlannedChange[P]) -> None:
        """Raise `UnsafeChange` to refuse a change that is unsafe to apply. Runs at plan and apply time."""

    def apply(self, ctx: TaskContext, change: PlannedChange[P]) -> None:
        raise NotImplementedError(f"{self.name} cannot apply changes")
