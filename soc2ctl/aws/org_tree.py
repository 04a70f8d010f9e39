"""The organization tree, read with the caller's credentials: which accounts sit under a root, OU or account.

Blast radius needs it (a policy attached at the root reaches every account below it), and so does the SCP
lockout check. The OU walk is `soc2ctl.aws.organizations.walk_organization`. Reads only; the actions are
among the caller's discovery reads (soc2ctl.policy.iam_policy).
"""

from __future__ import annotations

import re
from typing import Any

from soc2ctl.aws.organizations import walk_organization

_ACCOUNT_ID = re.compile(r"^\d{12}$")


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
    return {node.id for node in walk_organization(org, target) if node.kind == "account"}
