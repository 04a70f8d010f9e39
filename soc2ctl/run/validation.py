"""`validate`'s variable sets: every account's variables, with every group and account var applied.

Why it exists: checking only the playbook defaults and the inventory's top-level `vars` let a group var
such as `password_min_length: "sixteen"` pass validate and then fail every task of `plan`. So each account
is checked with exactly the variables `plan` will give it. For a discovery (or sandbox) inventory the
accounts come from AWS Organizations when credentials are available; when they are not, every group's
variables are checked on their own, and validate says, in one line, that discovered accounts were not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl.aws import partitions
from soc2ctl.aws.sessions import AccountAccessError
from soc2ctl.config.inventory import Inventory, read_inventory_file, resolve_inventory
from soc2ctl.config.models import InventoryFile
from soc2ctl.config.playbook import Playbook
from soc2ctl.errors import UserError
from soc2ctl.run.builder import make_sessions

VariableSet = tuple[str, dict[str, Any]]


@dataclass
class VariableSets:
    sets: list[VariableSet]
    notes: list[str] = field(default_factory=list)


def _account_sets(pb: Playbook, inv: Inventory, extra: dict[str, Any]) -> list[VariableSet]:
    ids = inv.account_ids()
    out = []
    for a in inv.accounts:
        builtins = {
            "account_id": a.id,
            "account_name": a.name,
            "ou_path": a.ou_path,
            "tags": a.tags,
            "groups": list(a.groups),
            "region": a.regions[0] if a.regions else inv.home_region,
            "home_region": inv.home_region,
            "partition": partitions.for_region(inv.home_region),
            "management_account_id": inv.management_account_id,
            "account_ids": ids,
            "executor_role_name": inv.spec.organization.role_name,
            "break_glass_role": inv.spec.organization.break_glass_role,
        }
        out.append((f" for account {a.id} ({a.name})", {**pb.spec.vars, **a.vars, **extra, **builtins}))
    return out


def _group_sets(pb: Playbook, spec: InventoryFile, extra: dict[str, Any]) -> list[VariableSet]:
    base = {**pb.spec.vars, **spec.vars}
    out: list[VariableSet] = [(" with inventory vars", {**base, **extra})]
    for name, group in sorted(spec.groups.items()):
        out.append((f" with group {name} vars", {**base, **group.vars, **extra}))
    return out


def _discover(path: Path, spec: InventoryFile, raw: Any, profile: str | None) -> Inventory:
    """The discovered inventory, or UserError with the reason it could not be read."""
    if spec.sandbox:
        from soc2ctl import sandbox

        if not sandbox.sandbox().status().running:
            raise UserError("the sandbox is not running (soc2ctl sandbox up)")
    try:
        sessions = make_sessions(spec, run_id="validate", profile=profile, parallelism=4)
        if sessions.base.get_credentials() is None:
            raise UserError("no AWS credentials")
        return resolve_inventory(path, spec, raw, sessions)
    except (AccountAccessError, BotoCoreError, ClientError) as exc:
        raise UserError(str(exc)) from None


def variable_sets(
    pb: Playbook, inventory_path: Path, extra: dict[str, Any], profile: str | None = None
) -> VariableSets:
    spec, raw = read_inventory_file(inventory_path)
    if not (spec.organization.discover or spec.sandbox):
        inv = resolve_inventory(inventory_path, spec, raw, None)
        return VariableSets(_account_sets(pb, inv, extra) or _group_sets(pb, spec, extra))
    try:
        inv = _discover(inventory_path, spec, raw, profile)
    except UserError as exc:
        reason = " ".join(str(exc).split())[:200]
        note = (
            f"{inventory_path}: could not discover the organization's accounts ({reason}); checked the "
            "inventory, group and static account variables only"
        )
        static = spec.model_copy(
            update={
                "organization": spec.organization.model_copy(update={"discover": False}),
                "sandbox": False,
            }
        )
        inv = resolve_inventory(inventory_path, static, raw, None)
        return VariableSets(_group_sets(pb, spec, extra) + _account_sets(pb, inv, extra), [note])
    return VariableSets(_account_sets(pb, inv, extra) or _group_sets(pb, spec, extra))
