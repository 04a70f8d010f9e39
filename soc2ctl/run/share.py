"""`apply PLAN --shard I/N`: apply one share of a reviewed plan, with the guarantees of a whole apply.

Phase 1 re-reads the share's tasks and compares them with the plan (soc2ctl.run.saved_plan), phase 2
applies them holding each to its planned fingerprint. The organization tasks the share depends on belong
to shard 0: they are read, never changed, and a dependent is skipped while its organization task still
has changes pending (shard 0 has not applied yet; run the share again after it). A dependent whose
organization task was planned to change is not held to its planned reading, exactly as in a one-run apply
(the change upstream may move what it reads); it is re-read and applied on what it finds. A task planned to
change that already reads in its control state (the share is run again) is done, not stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.plan import CHANGING
from soc2ctl.errors import Problem
from soc2ctl.remediation import Scope
from soc2ctl.run import saved_plan
from soc2ctl.run.builder import Run
from soc2ctl.run.shard import Selection, Shard, shard_of


def planned_in_share(doc: dict[str, Any], shard: Shard) -> list[dict[str, Any]]:
    """The plan's tasks this share owns, decided from the plan itself (so a task that vanished since the
    plan is still missed, and named)."""
    return [
        t
        for t in doc["tasks"]
        if (
            shard.index == 0
            if t.get("scope") == Scope.ORG.value
            else shard_of(t["account_id"], shard.count) == shard.index
        )
    ]


def moved_upstream(doc: dict[str, Any], run: Run, selection: Selection) -> set[str]:
    """Own tasks below a context (organization) task that the plan said would change."""
    planned = {t["key"]: t for t in doc["tasks"]}
    changing = {k for k in selection.context if planned.get(k, {}).get("action") in CHANGING}
    if not changing:
        return set()
    return {t.key for t in selection.own if nx.ancestors(run.graph, t.key) & changing}


def already_applied(doc: dict[str, Any], fresh: dict[str, TaskResult]) -> set[str]:
    """Tasks planned to change that now read in their control state: a share run again (after shard 0,
    or after an interruption) finds its earlier changes made. Applying them changes nothing, so nothing
    unreviewed can happen through them."""
    planned = {t["key"]: t["action"] for t in doc["tasks"]}
    return {
        k for k, r in fresh.items() if planned.get(k) in CHANGING and r.action == "no-op" and not r.failed
    }


def ensure_current(doc: dict[str, Any], run: Run, path: Path, selection: Selection) -> dict[str, TaskResult]:
    """Phase 1 for a share: read it, refuse (before any write) if what it owns moved since the plan."""
    fresh = run.executor.plan()
    if run.executor.interrupted:
        raise KeyboardInterrupt
    exempt = moved_upstream(doc, run, selection) | already_applied(doc, fresh)
    share_doc = {
        **doc,
        "tasks": [t for t in planned_in_share(doc, selection.shard) if t["key"] not in exempt],
    }
    own = {k: r for k, r in fresh.items() if k not in selection.context and k not in exempt}
    if lines := saved_plan.stale_tasks(share_doc, own):
        raise saved_plan.StalePlan(
            [
                Problem(
                    f"stale plan: {len(lines)} task(s) of shard {selection.shard} differ from what was planned; "
                    "nothing was applied. Make a new plan and have it reviewed.",
                    str(path),
                ),
                *(Problem(f"  stale: {line}") for line in lines),
            ]
        )
    return fresh


def apply_current(doc: dict[str, Any], run: Run, selection: Selection) -> dict[str, TaskResult]:
    """Phase 2 for a share: its own tasks held to their fingerprints; context tasks are only read."""
    exempt = moved_upstream(doc, run, selection)
    expected = {
        t["key"]: t["fingerprint"]
        for t in planned_in_share(doc, selection.shard)
        if t["fingerprint"] is not None and t["key"] not in exempt
    }
    return run.executor.apply(expected)
