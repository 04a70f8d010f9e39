"""Blast radius: the accounts an organization-scope change reaches.

A reviewer sees one SCP task under the management account, but a policy attached at the root governs
every member account. Each organization-scope module names the targets its change touches
(`Remediation.reach_targets`: the root by default, an SCP's old and new attachment points); the engine
resolves them to account ids from the organization tree, so the plan lists the accounts themselves.
"""

from __future__ import annotations

from typing import Any

from soc2ctl.aws import org_tree
from soc2ctl.remediation import Remediation, TaskContext


def affected_accounts(ctx: TaskContext, module: Remediation, params: Any, observed: Any) -> list[str]:
    """Sorted account ids under the targets the module names, read as the caller (management account)."""
    org = ctx.sessions.client(ctx.sessions.caller_account, ctx.home_region, "organizations")
    root = org_tree.root_id(org)
    targets = module.reach_targets(params, observed) or [root]
    found: set[str] = set()
    for target in sorted(set(targets)):
        found |= org_tree.accounts_under(org, target, root)
    if not module.reaches_management:
        found.discard(ctx.management_account_id)
    return sorted(found)
