"""Playbook exceptions: which targets or resources a control deliberately leaves alone, and until when.

Why a module of its own: the same matching decides what plan shows as `excepted`, what apply must never
touch, what a drift run reports, and what `validate` checks, so these cannot disagree. An exception with no
`resources` covers the whole task at the matching accounts/regions; one with `resources` only drops the
changes whose path names one of those resources (the rest of the task is still enforced). An exception is
valid through its `expires` day; after that it no longer applies, and the task is flagged
`exception_expired` so an auditor sees that an accepted risk ran out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from soc2ctl.config.models import ControlSpec, ExceptionEntry

if TYPE_CHECKING:
    from soc2ctl.config.inventory import Account
    from soc2ctl.config.playbook import Playbook
    from soc2ctl.errors import ProblemList
    from soc2ctl.remediation import Change


@dataclass(frozen=True)
class Matched:
    """The exceptions that cover one task: a whole-task one, excepted resources, and any expired ones."""

    task: ExceptionEntry | None = None
    resources: tuple[str, ...] = ()
    expired: ExceptionEntry | None = None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def covers(entry: ExceptionEntry, account: Account, region: str | None) -> bool:
    """Empty `accounts`/`regions` mean any; accounts match by id or name."""
    if entry.accounts and account.id not in entry.accounts and account.name not in entry.accounts:
        return False
    return not entry.regions or region in entry.regions


def match(control: ControlSpec, account: Account, region: str | None, on: dt.date | None = None) -> Matched:
    """The exceptions of `control` at one target, split into active (task or resources) and expired."""
    on = on or today()
    task: ExceptionEntry | None = None
    resources: list[str] = []
    expired: ExceptionEntry | None = None
    for entry in control.exceptions:
        if not covers(entry, account, region):
            continue
        if entry.expires < on:
            expired = expired or entry
        elif entry.resources:
            resources += entry.resources
        else:
            task = task or entry
    return Matched(task, tuple(resources), expired)


def drop_excepted(changes: list[Change], resources: tuple[str, ...]) -> list[Change]:
    """Changes that name no excepted resource (an ARN appears in the path as `[arn:...]`)."""
    if not resources:
        return changes
    return [c for c in changes if not any(r in c.path for r in resources)]


def exception_json(entry: ExceptionEntry | None, *, expired: bool) -> dict[str, Any] | None:
    """The exception as plan, evidence and drift output show it, next to the task it covers."""
    if entry is None:
        return None
    return {
        "justification": entry.justification,
        "owner": entry.owner,
        "expires": entry.expires.isoformat(),
        "accounts": list(entry.accounts),
        "regions": list(entry.regions),
        "resources": list(entry.resources),
        "expired": expired,
    }


def check_exceptions(pb: Playbook, problems: ProblemList, on: dt.date | None = None) -> None:
    """`validate`: an exception that has expired, or that names no account/region/resource (it would
    silently switch the control off everywhere), is an error with its line. Missing justification, owner or
    expiry is already a schema error (models.ExceptionEntry)."""
    on = on or today()
    for i, control in enumerate(pb.spec.controls):
        for j, entry in enumerate(control.exceptions):
            file, line = pb.locate(i, "exceptions", j)
            if entry.expires < on:
                problems.add(
                    f"control {control.id!r}: exception expired on {entry.expires.isoformat()} "
                    f"(owner {entry.owner}); renew it with a new date or remove it",
                    file,
                    pb.locate(i, "exceptions", j, "expires")[1] or line,
                )
            if not (entry.accounts or entry.regions or entry.resources):
                problems.add(
                    f"control {control.id!r}: exception names no accounts, regions or resources; "
                    "list what it covers",
                    file,
                    line,
                )
