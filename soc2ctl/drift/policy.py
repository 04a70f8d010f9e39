"""What a drift run may change on its own: only `auto_remediate: true` controls, only within the blast radius.

Why a limit that refuses everything rather than applying the first N: a burst of drift across many accounts
usually means something upstream changed (a new SCP, a broken pipeline, a compromised principal), and
"fixing" part of it automatically hides the pattern and may fight a legitimate change. Above the limit a
person looks first. A change is one task (one control at one target), the unit a reviewer approves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from soc2ctl.config.models import DriftSettings
from soc2ctl.drift.classify import NON_COMPLIANT, DriftItem
from soc2ctl.engine.plan import CHANGING

# Used when --remediate is given and neither the command line nor the playbook sets a limit: an unattended
# fixer without a bound is the one setting an auditor (and an incident) would question.
DEFAULT_MAX_CHANGES = 20
DEFAULT_MAX_PER_ACCOUNT = 5


@dataclass(frozen=True)
class Limits:
    max_changes: int | None
    max_per_account: int | None
    source: str  # cli | playbook | default

    def to_json(self) -> dict[str, object]:
        return {
            "max_changes": self.max_changes,
            "max_changes_per_account": self.max_per_account,
            "source": self.source,
        }


@dataclass
class Decision:
    apply: list[str] = field(default_factory=list)  # task keys, in graph order
    breach: str | None = None
    planned: int = 0
    per_account: dict[str, int] = field(default_factory=dict)


def resolve_limits(cli_max: int | None, cli_per_account: int | None, settings: DriftSettings) -> Limits:
    """Command line over playbook (`drift:` block) over defaults, per limit."""
    max_changes = cli_max if cli_max is not None else settings.max_changes
    per_account = cli_per_account if cli_per_account is not None else settings.max_changes_per_account
    if cli_max is not None or cli_per_account is not None:
        source = "cli"
    elif settings.max_changes is not None or settings.max_changes_per_account is not None:
        source = "playbook"
    else:
        return Limits(DEFAULT_MAX_CHANGES, DEFAULT_MAX_PER_ACCOUNT, "default")
    return Limits(max_changes, per_account, source)


def _mark(item: DriftItem, remediation: str, reason: str | None = None) -> None:
    item.remediation, item.reason = remediation, reason


def _candidates(items: list[DriftItem], remediate: bool) -> list[DriftItem]:
    """Non-compliant, changeable, auto_remediate tasks; every other non-compliant task says why not."""
    chosen = []
    for item in items:
        if item.classification not in NON_COMPLIANT:
            continue
        if item.result.action not in CHANGING:
            _mark(item, "detect-only", "no API can fix this; see the human step")
        elif not item.result.task.control.auto_remediate:
            _mark(item, "not-auto", "control is not auto_remediate: true")
        elif not remediate:
            _mark(item, "not-requested", "run without --remediate")
        else:
            chosen.append(item)
    return chosen


def _hold_dependents(chosen: list[DriftItem], items: list[DriftItem], graph: nx.DiGraph) -> list[DriftItem]:
    """A task whose upstream stays out of state is held: applying it would build on a broken base."""
    keys = {i.key for i in chosen}
    blocking = {i.key for i in items if i.classification in NON_COMPLIANT and i.key not in keys}
    kept = []
    for item in chosen:
        upstream = sorted(nx.ancestors(graph, item.key) & blocking)
        if upstream:
            _mark(item, "held", f"depends on {upstream[0]}, which stays out of state")
        else:
            kept.append(item)
    return kept


def _breach(chosen: list[DriftItem], limits: Limits, per_account: Counter[str]) -> str | None:
    if limits.max_changes is not None and len(chosen) > limits.max_changes:
        return f"{len(chosen)} changes planned, above max_changes {limits.max_changes}"
    if limits.max_per_account is not None:
        over = sorted(a for a, n in per_account.items() if n > limits.max_per_account)
        if over:
            return (
                f"{per_account[over[0]]} changes planned in account {over[0]}"
                + (f" (and {len(over) - 1} more accounts)" if len(over) > 1 else "")
                + f", above max_changes_per_account {limits.max_per_account}"
            )
    return None


def decide(items: list[DriftItem], graph: nx.DiGraph, limits: Limits, *, remediate: bool) -> Decision:
    """Which tasks the run applies; nothing at all when a limit is exceeded."""
    chosen = _hold_dependents(_candidates(items, remediate), items, graph)
    per_account = Counter(i.result.task.account.id for i in chosen)
    decision = Decision(planned=len(chosen), per_account=dict(per_account))
    decision.breach = _breach(chosen, limits, per_account)
    for item in chosen:
        if decision.breach:
            _mark(item, "limit-exceeded", decision.breach)
        else:
            _mark(item, "apply")
            decision.apply.append(item.key)
    return decision
