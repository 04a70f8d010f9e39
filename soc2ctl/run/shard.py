"""Shards: a deterministic share of one run's accounts, for one machine (or one process) among many.

Why a stable hash of the account id, not "every Nth account in the listing": machines discover the
organization separately, and the listing order is AWS's to change; a hash puts an account in the same shard
wherever and whenever it is computed, so shards never overlap or miss an account. Organization-scope tasks
belong to shard 0.

A shard keeps its tasks, plus, read-only, the organization tasks they depend on ("context"): reading them
makes a failed organization task skip its dependents in every shard exactly as in a one-run plan, so the
merged parts equal that plan task for task. Applying a share never changes a context task (shard 0 owns
it); a dependent waits until shard 0 has brought it into its control state (see `gate`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from soc2ctl.engine.executor import TaskResult
from soc2ctl.engine.tasks import Task, build_graph
from soc2ctl.errors import UserError
from soc2ctl.remediation import Scope

# The index an orchestrator gives each copy of a job: AWS Batch array jobs, Kubernetes indexed Jobs.
INDEX_VARIABLES = ("AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX")
MAX_SHARDS = 10_000
_SPEC = re.compile(r"^\s*(auto|\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, task: Task) -> bool:
        if task.scope is Scope.ORG:
            return self.index == 0
        return shard_of(task.account.id, self.count) == self.index

    def to_json(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}


def shard_of(account_id: str, count: int) -> int:
    """The shard of an account: SHA-256 of its id, so every machine and Python version agrees."""
    return int.from_bytes(hashlib.sha256(account_id.encode()).digest()[:8], "big") % count


def parse_shard(spec: str | None, environ: Mapping[str, str] | None = None) -> Shard | None:
    """`I/N`, or `auto/N` for the index the orchestrator sets (AWS Batch, Kubernetes indexed Job)."""
    if spec is None or spec == "":
        return None
    match = _SPEC.match(spec)
    if not match:
        raise UserError(f"--shard {spec!r}: expected I/N (e.g. 0/3) or auto/N")
    count = int(match.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise UserError(f"--shard {spec!r}: the shard count must be 1..{MAX_SHARDS}")
    index_text = match.group(1)
    if index_text == "auto":
        index_text = _index_from_environment(spec, os.environ if environ is None else environ)
    index = int(index_text)
    if not 0 <= index < count:
        raise UserError(f"--shard {spec!r}: the index must be 0..{count - 1}")
    return Shard(index, count)


def _index_from_environment(spec: str, environ: Mapping[str, str]) -> str:
    for name in INDEX_VARIABLES:
        value = environ.get(name)
        if value is not None:
            if not value.strip().isdigit():
                raise UserError(f"--shard {spec!r}: {name}={value!r} is not a shard index")
            return value.strip()
    raise UserError(f"--shard {spec!r}: none of {', '.join(INDEX_VARIABLES)} is set")


# ---------------------------------------------------------------- one shard of a run's tasks


@dataclass
class Selection:
    """The tasks of one shard (`tasks`: own and read-only context, in run order) and where the own ones
    sit in the full run."""

    shard: Shard
    tasks: list[Task]
    own: list[Task]
    context: frozenset[str]
    positions: dict[str, int]  # own task key -> index in the one-run task order
    total: int
    keys_sha256: str  # digest of every task key of the full run, in order: all parts must agree


def keys_digest(tasks: list[Task]) -> str:
    return "sha256:" + hashlib.sha256("\n".join(t.key for t in tasks).encode()).hexdigest()


def select(tasks: list[Task], graph: nx.DiGraph, shard: Shard) -> Selection:
    own = [t for t in tasks if shard.owns(t)]
    own_keys = {t.key for t in own}
    context: set[str] = set()
    for key in own_keys:
        context |= nx.ancestors(graph, key)
    context -= own_keys
    index = {t.key: i for i, t in enumerate(tasks)}
    kept = [t for t in tasks if t.key in own_keys or t.key in context]
    return Selection(
        shard=shard,
        tasks=kept,
        own=own,
        context=frozenset(context),
        positions={k: index[k] for k in own_keys},
        total=len(tasks),
        keys_sha256=keys_digest(tasks),
    )


def restrict(run: Any, shard: Shard) -> Selection:
    """Narrow a prepared run (soc2ctl.run.builder.Run) to one shard: its tasks, graph and executor."""
    selection = select(run.tasks, run.graph, shard)
    run.tasks = selection.tasks
    narrow(run.executor, selection)
    run.graph = run.executor.graph
    return selection


def narrow(executor: Any, selection: Selection) -> None:
    """An executor (soc2ctl.engine.executor.Executor) set to run one shard's selection: its tasks' graph,
    and the other shards' tasks among them read, never changed."""
    executor.graph = build_graph(selection.tasks)
    executor.read_only = selection.context


def own_results(results: dict[str, TaskResult], selection: Selection) -> dict[str, TaskResult]:
    """The shard's results in run order, without its read-only context tasks."""
    return {k: r for k, r in results.items() if k not in selection.context}


def out_path(out: Any, shard: Shard | None) -> Any:
    """`--out /plans/part-{shard}.json`: the shard index in the file name, so an orchestrator's identical
    copies of one command (Batch, Kubernetes, a distributed map) each write their own part, no shell needed."""
    if out is None or shard is None or "{shard}" not in str(out):
        return out
    return type(out)(str(out).replace("{shard}", str(shard.index)))


def part_section(selection: Selection) -> dict[str, Any]:
    """What `merge` needs to put the part back in its place: shard, positions of its tasks, the run's size."""
    return {
        **selection.shard.to_json(),
        "total_tasks": selection.total,
        "task_keys_sha256": selection.keys_sha256,
        "positions": [selection.positions[t.key] for t in selection.own],
    }
