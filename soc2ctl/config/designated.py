"""Designated accounts: the security tooling and log archive accounts an organization's baseline names.

Why settings and not a name in the playbook: an organization's accounts are called whatever its owners
called them (Control Tower says "Audit" and "Log Archive", others "security", "logging", or nothing at all),
so a baseline that looks an account up by name breaks on every organization that chose another. The inventory
says which account plays the role (an account id or name); unset, the management account plays it, which
works in any organization and is documented in docs/inventory.md. A setting that names no account is a
problem of that setting, reported once by `validate` and on every control that needs it at plan time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soc2ctl.config.inventory import Account, Inventory, resolve_inventory
from soc2ctl.config.models import InventoryFile
from soc2ctl.config.yamlsrc import line_of
from soc2ctl.errors import ProblemList
from soc2ctl.remediation import ACCOUNT_ID

# setting under `organization:` -> template variable holding the account id; `account:` keyword of a control
ROLES = {
    "security_tooling_account": ("security_tooling_account_id", "security_tooling"),
    "log_archive_account": ("log_archive_account_id", "log_archive"),
}


@dataclass(frozen=True)
class Designation:
    setting: str  # e.g. security_tooling_account
    variable: str  # e.g. security_tooling_account_id
    keyword: str  # e.g. security_tooling (a control's `account:`)
    account: Account | None
    problem: str | None = None  # why no account plays the role
    defaulted: bool = False  # unset: the management account plays it

    @property
    def account_id(self) -> str | None:
        return self.account.id if self.account else None

    def note(self) -> str:
        """One line for `validate`."""
        where = f"organization.{self.setting}"
        if self.problem:
            return f"{where}: {self.problem}"
        if self.defaulted:
            return f"{where} is not set: the management account {self.account_id} plays that role"
        assert self.account is not None
        return f"{where}: account {self.account.id} ({self.account.name})"


def designate(inventory: Inventory) -> dict[str, Designation]:
    """Every role, resolved against the inventory's accounts (the management account always counts)."""
    settings = inventory.spec.organization
    return {setting: _resolve(setting, getattr(settings, setting), inventory) for setting in ROLES}


def by_keyword(designations: dict[str, Designation], keyword: str) -> Designation | None:
    return next((d for d in designations.values() if d.keyword == keyword), None)


def _resolve(setting: str, value: str | None, inventory: Inventory) -> Designation:
    variable, keyword = ROLES[setting]
    management = inventory.management
    if value is None:
        return Designation(setting, variable, keyword, management, defaulted=True)
    known = [management, *inventory.accounts]
    if ACCOUNT_ID.match(value):
        found = next((a for a in known if a.id == value), None)
    else:
        found = next((a for a in known if a.name == value), None)
    if found is None:
        problem = (
            f"{value!r} names no account of the inventory (an account id or name, or unset for management)"
        )
        return Designation(setting, variable, keyword, None, problem=problem)
    return Designation(setting, variable, keyword, found)


def designation_notes(path: Path, spec: InventoryFile, raw: Any, problems: ProblemList) -> list[str]:
    """The security tooling and log archive accounts, one line each: a problem when a setting names no
    account (static inventories; a discovered one is resolved at plan time), else which account plays it."""
    if spec.organization.discover or spec.sandbox:
        settings = {s: getattr(spec.organization, s) for s in ROLES}
        return [
            f"organization.{s}: {v!r}, resolved against the organization at plan time"
            if v
            else f"organization.{s} is not set: the management account plays that role"
            for s, v in settings.items()
        ]
    notes = []
    for role in designate(resolve_inventory(path, spec, raw, None)).values():
        if role.problem:
            problems.add(role.note(), str(path), line_of(raw, ("organization", role.setting)))
        else:
            notes.append(role.note())
    return notes
