"""Inventories: which accounts and regions a run may touch, and the variables of each.

Variable precedence, lowest first (Ansible's order, with the playbook's `vars` as defaults below it):
inventory `vars` < group `vars` (by `priority`, then name) < account `vars`. The playbook's own `vars`
sit below all of these and `--extra-vars` above, so a playbook ships defaults and the inventory tailors them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl.aws.sessions import AccountAccessError, AwsSessions
from soc2ctl.config import patterns
from soc2ctl.config.models import GroupEntry, InventoryFile, load_model
from soc2ctl.config.template_rules import TemplateLimit
from soc2ctl.errors import Problem, UserError


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    ou_path: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    is_management: bool = False

    @property
    def matchable(self) -> patterns.Matchable:
        return patterns.Matchable(self.id, self.name, frozenset(self.groups))


class AccountIds(dict):
    """Account name -> id for templates. A name two accounts share is an error listing both ids, never
    a silent pick of one of them."""

    def __getitem__(self, name: Any) -> str:
        ids = sorted(set(super().__getitem__(name)))
        if len(ids) > 1:
            raise TemplateLimit(f"account name {name!r} is ambiguous: accounts {', '.join(ids)}")
        return ids[0]

    def get(self, name: Any, default: Any = None) -> Any:
        return self[name] if name in self else default  # noqa: SIM401 (self.get is this method)

    def values(self) -> list[str]:  # type: ignore[override]
        return [self[name] for name in self]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(name, self[name]) for name in self]


@dataclass(frozen=True)
class DiscoveredAccount:
    id: str
    name: str
    ou_path: str
    tags: dict[str, str]


@dataclass
class Inventory:
    path: Path
    spec: InventoryFile
    raw: Any
    accounts: list[Account]
    management_account_id: str
    home_region: str

    def select(self, pattern: str | None) -> list[Account]:
        if not pattern:
            return list(self.accounts)
        by_id = {a.id: a for a in self.accounts}
        return [by_id[m.account_id] for m in patterns.select(pattern, (a.matchable for a in self.accounts))]

    def unknown_pattern_terms(self, pattern: str) -> list[str]:
        return patterns.unknown_terms(pattern, (a.matchable for a in self.accounts))

    def account_ids(self) -> AccountIds:
        """`account_ids['audit']` for templates: name -> id, refusing a name that two accounts share."""
        ids = AccountIds()
        for a in [self.management, *self.accounts]:
            ids.setdefault(a.name, []).append(a.id)
        return ids

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def management_left_out(self) -> str | None:
        """Why the management account is not a target of account and region controls, or None when it is.
        It is the account an auditor looks at first, and the one no SCP restricts: leaving it out of the
        password policy, EBS encryption or Config must be a decision someone sees, not a default."""
        if self.account(self.management_account_id) is not None:
            return None
        org, management = self.spec.organization, self.management_account_id
        if management in self.spec.exclude or management in self.spec.accounts or org.discover:
            why, fix = "`exclude` lists it", "remove it from `exclude`"
            if not (org.include_management or management in self.spec.accounts):
                why, fix = (
                    "organization.include_management is false",
                    "set organization.include_management: true",
                )
        else:  # a static inventory: only listed accounts are targets
            why, fix = "it is not listed under `accounts`", f'list "{management}" under `accounts`'
        return (
            f"the management account {management} is not a target of account and region controls ({why}); "
            f"{fix} to hold it to them too"
        )

    @property
    def management(self) -> Account:
        """The management account, as a target of organization-scope controls, whether or not it is listed."""
        found = self.account(self.management_account_id)
        return found or Account(
            id=self.management_account_id,
            name="management",
            regions=(self.home_region,),
            vars=dict(self.spec.vars),
            is_management=True,
        )


def read_inventory_file(path: Path) -> tuple[InventoryFile, Any]:
    return load_model(InventoryFile, path)


def resolve_inventory(
    path: Path,
    spec: InventoryFile,
    raw: Any,
    sessions: AwsSessions | None,
    idle: Iterable[Callable[[], Any]] = (),
) -> Inventory:
    """Merge static and discovered accounts, apply groups, exclusions and variables. `idle`: work to do
    while discovery waits on AWS (soc2ctl.run.prewarm), as much of it as that wait leaves time for."""
    home = spec.home_region or spec.regions[0]
    discovered: dict[str, DiscoveredAccount] = {}
    management_id = spec.organization.management_account
    if spec.organization.discover:
        if sessions is None:
            raise UserError(Problem("organization.discover needs AWS credentials", str(path)))
        management_id, discovered = discover_organization(sessions, home, path, idle)
    if management_id is None:
        if sessions is None:
            management_id = "000000000000"
        else:
            try:
                management_id = sessions.caller_account
            except AccountAccessError as exc:
                raise UserError(Problem(str(exc), str(path))) from None

    accounts = []
    for account_id in _ordered_ids(spec, discovered):
        if account_id in spec.exclude:
            continue
        if account_id == management_id and not (
            spec.organization.include_management or account_id in spec.accounts
        ):
            continue
        accounts.append(_build_account(account_id, spec, discovered.get(account_id), management_id))
    accounts = [a for a in accounts if a.name not in spec.exclude]
    return Inventory(path, spec, raw, accounts, management_id, home)


def _ordered_ids(spec: InventoryFile, discovered: dict[str, DiscoveredAccount]) -> list[str]:
    ids = list(discovered)
    ids += [a for a in spec.accounts if a not in discovered]
    return ids


def _build_account(
    account_id: str, spec: InventoryFile, found: DiscoveredAccount | None, management_id: str
) -> Account:
    entry = spec.accounts.get(account_id)
    name = (entry.name if entry and entry.name else None) or (found.name if found else account_id)
    ou_path = (entry.ou if entry and entry.ou else None) or (found.ou_path if found else "")
    tags = {**(found.tags if found else {}), **(entry.tags if entry else {})}
    groups = sorted(
        (g for g, group in spec.groups.items() if _in_group(group, account_id, name, ou_path, tags)),
        key=lambda g: (spec.groups[g].priority, g),
    )
    merged: dict[str, Any] = dict(spec.vars)
    for g in groups:
        merged.update(spec.groups[g].vars)
    if entry:
        merged.update(entry.vars)
    regions = tuple(entry.regions if entry and entry.regions else spec.regions)
    return Account(
        id=account_id,
        name=name,
        ou_path=ou_path,
        tags=tags,
        groups=tuple(groups),
        regions=regions,
        vars=merged,
        is_management=account_id == management_id,
    )


def _in_group(group: GroupEntry, account_id: str, name: str, ou_path: str, tags: dict[str, str]) -> bool:
    if account_id in group.accounts or name in group.accounts:
        return True
    for ou in group.ous:
        ou = ou.strip("/")
        if ou_path == ou or ou_path.startswith(ou + "/") or fnmatch.fnmatchcase(ou_path, ou):
            return True
    return bool(group.tags) and all(tags.get(k) == v for k, v in group.tags.items())


# ---------------------------------------------------------------- discovery


def discover_organization(
    sessions: AwsSessions, region: str, path: Path, idle: Iterable[Callable[[], Any]] = ()
) -> tuple[str, dict[str, DiscoveredAccount]]:
    """Accounts, OU paths and tags from AWS Organizations, read with the caller's own credentials.

    Every run starts with this, so its round trips are the run's start-up: the organization, the account
    list, the OU walk and the caller's identity are read at the same time (then the tags, all at once), so
    a flat organization takes 2 round trips in a row, not 4 (the identity is needed later, for the role
    assumptions, not to read the organization). Meanwhile this thread does `idle` jobs, one at a time,
    until the reads are done."""
    identity = None
    try:
        with ThreadPoolExecutor(max_workers=max(6, sessions.parallelism)) as pool:
            try:
                org = sessions.caller_client(region, "organizations")
                accounts = pool.submit(_accounts_and_tags, org, pool)  # the longest chain first
                walk = pool.submit(_ou_paths, org, pool)
                organization = pool.submit(org.describe_organization)
                identity = pool.submit(sessions.caller_identity)
                _while_waiting([organization, accounts, walk], idle)
                management_id = organization.result()["Organization"]["MasterAccountId"]
                (active, tags), ou_paths = accounts.result(), walk.result()
            except (ClientError, BotoCoreError):
                # credentials AWS refuses: say so, not what Organizations made of them
                identity.result() if identity else sessions.caller_identity()
                raise
            identity.result()
    except AccountAccessError as exc:
        raise UserError(Problem(str(exc), str(path))) from None
    except (ClientError, BotoCoreError) as exc:
        raise UserError(
            Problem(
                f"organization discovery failed (organizations API, caller credentials): {exc}", str(path)
            )
        ) from None
    found = {
        i: DiscoveredAccount(i, name, ou_paths.get(i, ""), tags[i]) for i, name in sorted(active.items())
    }
    return management_id, found


def _while_waiting(reads: list[Future[Any]], idle: Iterable[Callable[[], Any]]) -> None:
    for job in idle:
        if all(read.done() for read in reads):
            return
        job()


def _accounts_and_tags(
    org: Any, pool: ThreadPoolExecutor
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The active accounts (id -> name), then the tags of each, all at once."""
    active = {
        a["Id"]: a["Name"]
        for page in org.get_paginator("list_accounts").paginate()
        for a in page["Accounts"]
        if a.get("Status", a.get("State", "ACTIVE")) == "ACTIVE"
    }
    return active, dict(zip(active, pool.map(lambda a: _tags(org, a), active), strict=True))


def _ou_paths(org: Any, pool: ThreadPoolExecutor) -> dict[str, str]:
    """The OU path of every account inside an OU (one directly under a root has none: ""). Each parent's
    OUs and accounts are listed at once, and an OU's as soon as its parent's listing names it: a flat
    organization takes 2 round trips, one more per level of OUs (not one per OU)."""
    paths: dict[str, str] = {}
    levels = [
        (pool.submit(_units_in, org, r["Id"]), pool.submit(_accounts_in, org, r["Id"]), "")
        for r in org.list_roots()["Roots"]
    ]
    while levels:
        units, accounts, ou_path = levels.pop()
        for unit_id, name in units.result():
            below = f"{ou_path}/{name}".lstrip("/")
            levels.append(
                (pool.submit(_units_in, org, unit_id), pool.submit(_accounts_in, org, unit_id), below)
            )
        paths.update(dict.fromkeys(accounts.result(), ou_path))
    return paths


def _units_in(org: Any, parent_id: str) -> list[tuple[str, str]]:
    paginator = org.get_paginator("list_organizational_units_for_parent")
    return [
        (u["Id"], u["Name"])
        for page in paginator.paginate(ParentId=parent_id)
        for u in page["OrganizationalUnits"]
    ]


def _accounts_in(org: Any, parent_id: str) -> list[str]:
    paginator = org.get_paginator("list_accounts_for_parent")
    return [a["Id"] for page in paginator.paginate(ParentId=parent_id) for a in page["Accounts"]]


def _tags(org: Any, account_id: str) -> dict[str, str]:
    tags = {}
    for page in org.get_paginator("list_tags_for_resource").paginate(ResourceId=account_id):
        tags.update({t["Key"]: t["Value"] for t in page["Tags"]})
    return tags
