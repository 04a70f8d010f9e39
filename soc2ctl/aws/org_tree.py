"""The organization tree, read with the caller's credentials: which accounts sit under a root, OU or account.

Blast radius needs it (a policy attached at the root reaches every account below it), and so does the SCP
lockout check. Reads only; the actions are among the caller's discovery reads (soc2ctl.policy.iam_policy).
"""

from __future__ import annotations

import re
from typing import Any

_ACCOUNT_ID = re.compile(r"^\d{12}$")
MAX_OUS = 10_000  # an organization holds at most 2,000 OUs (5 levels); a longer walk is a loop in the data


def _pages(org: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in org.get_paginator(operation).paginate(**kwargs) for item in page[key]]


def root_id(org: Any) -> str:
    return org.list_roots()["Roots"][0]["Id"]


def accounts_under(org: Any, target: str, root: str | None = None) -> set[str]:
    """Account ids under `target` (an account id, an OU id or the root id), at any depth. Only active
    accounts below the root count when the root itself is the target (one ListAccounts call)."""
    if _ACCOUNT_ID.match(target):
        return {target}
    if target == (root or root_id(org)):
        return {
            a["Id"]
            for a in _pages(org, "list_accounts", "Accounts")
            if a.get("Status", a.get("State", "ACTIVE")) == "ACTIVE"
        }
    found: set[str] = set()
    stack, seen = [target], 0
    while stack and seen < MAX_OUS:
        parent = stack.pop()
        seen += 1
        found |= {a["Id"] for a in _pages(org, "list_accounts_for_parent", "Accounts", ParentId=parent)}
        units = _pages(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent)
        stack.extend(u["Id"] for u in units)
    return found
