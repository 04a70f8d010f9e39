"""Walking the organization tree: the one walker for inventory discovery and organization-scope modules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class OrgNode:
    """An account or organizational unit met on the walk. `ou_path` is the OU path that holds an account,
    or the OU's own path (`Workloads/Prod`), relative to where the walk started."""

    kind: Literal["account", "ou"]
    id: str
    name: str
    ou_path: str


def walk_organization(
    org: Any, parent_id: str, ou_path: str = "", *, accounts: bool = True
) -> Iterator[OrgNode]:
    """Every account and OU under `parent_id` (a root or an OU), depth first, every page of every list;
    only the OUs when `accounts` is False (resolving an OU path needs no account listing)."""
    if accounts:
        for page in org.get_paginator("list_accounts_for_parent").paginate(ParentId=parent_id):
            for account in page["Accounts"]:
                yield OrgNode("account", account["Id"], account.get("Name", ""), ou_path)
    for page in org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent_id):
        for unit in page["OrganizationalUnits"]:
            path = f"{ou_path}/{unit['Name']}".lstrip("/")
            yield OrgNode("ou", unit["Id"], unit["Name"], path)
            yield from walk_organization(org, unit["Id"], path, accounts=accounts)
