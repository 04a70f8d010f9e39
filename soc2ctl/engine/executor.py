"""Runs the task graph: read (plan) or read-apply-verify (apply), in dependency order, in parallel.

A failed task marks its descendants skipped with the reason; unrelated tasks go on, so one unreachable
account never hides the results of the others. Ctrl-C stops scheduling, lets running calls finish, and
reports every task that did not run as skipped.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any

import networkx as nx
from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl import registry
from soc2ctl.aws.recorder import ApiCall, CallRecorder
from soc2ctl.aws.regions import RegionStatus
from soc2ctl.aws.retry import UnreadableAnswer
from soc2ctl.aws.sessions import AccountAccessError, AwsSessions
from soc2ctl.config.risk_exceptions import drop_excepted
from soc2ctl.engine.diff import compute_changes, fingerprint, overall_action
from soc2ctl.engine.reach import affected_accounts
from soc2ctl.engine.tasks import Task, startable
from soc2ctl.remediation import (
    Change,
    HeldBack,
    ManagedElsewhere,
    PlannedChange,
    Scope,
    TaskContext,
    UnsafeChange,
)

log = logging.getLogger(__name__)

FAILED_STATUSES = frozenset({"failed"})
OUT_OF_STATE = "out-of-state"  # apply status of a detect-only task that still differs


@dataclass
class TaskResult:
    task: Task
    action: str = "no-op"
    changes: list[Change] = field(default_factory=list)
    observed: Any = None
    desired: Any = None
    fingerprint: str | None = None
    error: str | None = None
    status: str = "planned"  # planned | ok | changed | out-of-state | failed | skipped
    calls: list[ApiCall] = field(default_factory=list)
    verified: Any = None
    affected_accounts: list[str] | None = None  # organization scope: accounts the change reaches
    managed: ManagedElsewhere | None = None  # what was read belongs to another tool: never written
    held: HeldBack | None = None  # changes apply leaves to a person, beside those it makes

    def __setattr__(self, name: str, value: Any) -> None:
        """Any change drops the result's cached JSON view (soc2ctl.engine.plan.task_json builds it once).
        A field goes straight into `__dict__` (~19 assignments per task: the generic path was a cost)."""
        attrs = self.__dict__
        attrs.pop("_json_view", None)
        if name in self.__dataclass_fields__:
            attrs[name] = value
        else:
            object.__setattr__(self, name, value)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def planned_change(self) -> PlannedChange[Any]:
        """What `guard` and `apply` receive: the engine's own reading, diff and desired state."""
        return PlannedChange(self.task.params, self.observed, self.desired, tuple(self.changes))


def describe_error(task: Task, exc: BaseException) -> str:
    where = f"account {task.account.id}" + (f" {task.region}" if task.region else "")
    if isinstance(exc, AccountAccessError):
        return str(exc)
    if isinstance(exc, UnsafeChange):
        return f"{where}: refused: {exc}"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{where}: {err.get('Code')}: {err.get('Message')} (calling {exc.operation_name})"
    if isinstance(exc, BotoCoreError | UnreadableAnswer):
        return f"{where}: {exc}"
    return f"{where}: internal error in remediation {task.module.name}: {exc!r}"


class Executor:
    def __init__(
        self,
        sessions: AwsSessions,
        graph: nx.DiGraph,
        *,
        parallelism: int = 16,
        max_per_account: int = 4,
        home_region: str,
        management_account_id: str,
    ) -> None:
        self.sessions = sessions
        self.graph = graph
        # Known before any task runs, so the caller-identity call (if not made yet) is no task's call.
        self.partition = sessions.partition
        self.parallelism = max(1, parallelism)
        self.max_per_account = max(1, max_per_account)
        self._stop_reason: str | None = None
        self.home_region = home_region
        self.management_account_id = management_account_id
        self.interrupted = False
        # Told of every task result of every run, whoever calls run(): evidence cannot be forgotten by a caller.
        self.observers: list[Callable[[TaskResult], None]] = []
        # Told of every change just before it is written (write-ahead evidence); may raise to prevent it.
        self.intent_observers: list[Callable[[TaskResult], None]] = []
        # Tasks another shard owns (soc2ctl.run.shard): read, never changed; apply holds their dependents.
        self.read_only: frozenset[str] = frozenset()
        self.regions = RegionStatus(sessions, home_region)  # opt-in regions, per account

    # ------------------------------------------------------------ per task

    def context(self, task: Task, pending: frozenset[Any] = frozenset()) -> TaskContext:
        return TaskContext(
            sessions=self.sessions,
            account_id=task.account.id,
            account_name=task.account.name,
            region=task.call_region,
            home_region=self.home_region,
            management_account_id=self.management_account_id,
            vars=task.variables,
            pending=pending,
            declared_actions=registry.declared_actions,
            partition=self.partition,
        )

    def evaluate(self, task: Task, *, check_provided: bool = False) -> TaskResult:
        """Read the observed state and diff it against the desired state. Never writes.

        Preconditions are checked first; one that a control of this run provides is checked only when
        `check_provided` (at apply time, after the provider ran), since at plan time it may not exist yet."""
        result = TaskResult(task)
        if task.error:
            result.status, result.action, result.error = "failed", "error", task.error
            return result
        if task.region and (off := self.regions.problem(task.account.id, task.region)):
            result.status, result.action, result.error = "failed", "error", off  # no call, no retry
            return result
        with CallRecorder.capture() as calls:
            try:
                pending = frozenset() if check_provided else frozenset(task.satisfied_by)
                if not (unmet := self._unmet_precondition(task, check_provided)):
                    self._read_into(task, result, pending)
                elif (managed := self._read_if_managed(task, pending)) is not None:
                    result = managed
                else:
                    result.status, result.action, result.error = "failed", "error", unmet
            except Exception as exc:  # every failure becomes a task error, never a crash of the run
                log.debug("task %s failed", task.key, exc_info=True)
                why = self.regions.explain(task.account.id, task.region, exc) or describe_error(task, exc)
                result.status, result.action, result.error = "failed", "error", why
        result.calls = calls
        return result

    def _unmet_precondition(self, task: Task, check_provided: bool) -> str | None:
        ctx = self.context(task)
        for requirement in task.requirements:
            provider = task.satisfied_by.get(requirement.resource)
            if provider is not None and not check_provided:
                continue
            if problem := requirement.check(ctx):
                where = f"account {task.account.id}" + (f" {task.region}" if task.region else "")
                hint = (
                    f"control {provider} provides it"
                    if provider
                    else "no control of this playbook provides it"
                )
                return f"{where}: precondition not met: {requirement.resource}: {problem} ({hint})"
        return None

    def _read_if_managed(self, task: Task, pending: frozenset[Any]) -> TaskResult | None:
        """Preconditions are for soc2ctl's own configuration (its log bucket): where another tool owns
        what the task reads (Control Tower's trail), they do not apply. The read result, if managed."""
        probe = TaskResult(task)
        try:
            self._read_into(task, probe, pending)
        except Exception:  # the precondition's message explains the task better
            return None
        return probe if probe.managed is not None else None

    def _read_into(self, task: Task, result: TaskResult, pending: frozenset[Any] = frozenset()) -> None:
        ctx = self.context(task, pending)
        observed = task.module.read(ctx, task.params)
        desired = task.module.desired(ctx, task.params, observed)
        result.observed = observed
        result.desired = desired
        result.fingerprint = fingerprint(observed)
        result.changes = drop_excepted(compute_changes(observed, desired), task.exception.resources)
        result.managed = task.module.managed_elsewhere(task.params, observed)
        if result.managed is None and (held := task.module.held_back(task.params, observed, result.changes)):
            result.changes, result.held, result.managed = held.split(result.changes)
        result.action = overall_action(result.changes)
        if task.scope is Scope.ORG and result.changes:
            with CallRecorder.capture():  # the engine's reads of the organization tree, not the module's
                result.affected_accounts = affected_accounts(ctx, task.module, task.params, observed)
        if task.exception.task is not None and result.changes:
            result.action = "excepted"  # reported with its changes, never applied
        elif result.changes and (
            result.managed or task.module.detects_only(task.params) or self._detect_here(task)
        ):
            result.action = "detect"  # reported with the human step, never applied
        elif result.changes:
            task.module.guard(ctx, result.planned_change())

    def _detect_here(self, task: Task) -> bool:
        """A module that must not write in the management account only reports there."""
        in_management = task.account.id == self.management_account_id and task.scope is not Scope.ORG
        return in_management and task.module.in_management == "detect"

    def apply_one(self, task: Task, expected_fingerprint: str | None = None) -> TaskResult:
        """Re-read, apply when the diff is non-empty, re-read to verify."""
        planned = self.evaluate(task, check_provided=True)
        if planned.failed or planned.action in ("no-op", "detect", "excepted"):
            # a detect task that differs stays out of state: apply says so, as plan and drift do
            planned.status = {"no-op": "ok", "detect": OUT_OF_STATE, "excepted": "ok"}.get(
                planned.action, "failed"
            )
            return planned
        if expected_fingerprint is not None and planned.fingerprint != expected_fingerprint:
            planned.status, planned.error = "failed", "state changed since the plan was made (stale plan)"
            return planned
        if self._stop_reason is not None:  # stopped while this task was reading: make no change
            planned.status, planned.error = "skipped", self._stop_reason
            return planned
        try:
            for intent in self.intent_observers:
                intent(planned)
        except Exception as exc:  # no record of the intent, no change
            planned.status, planned.error = "failed", f"not applied: {exc}"
            return planned
        with CallRecorder.capture() as calls:
            try:
                task.module.apply(self.context(task), planned.planned_change())
            except Exception as exc:
                log.debug("apply %s failed", task.key, exc_info=True)
                planned.status, planned.error = "failed", describe_error(task, exc)
        planned.calls += calls
        if planned.failed:
            return planned
        after = self.evaluate(task, check_provided=True)
        planned.calls += after.calls
        planned.verified = after.observed
        if not after.failed and after.changes and after.managed is not None:
            # what apply could make is made; the rest is a person's step (an opt-in write that is off)
            planned.status, planned.managed = OUT_OF_STATE, after.managed
        elif after.failed or after.changes:
            left = ", ".join(c.path for c in after.changes) or after.error
            planned.status, planned.error = (
                "failed",
                f"verification failed after apply: still differs at {left}",
            )
        else:
            planned.status = "changed"
        return planned

    # ------------------------------------------------------------ whole graph

    def plan(self, on_done: Callable[[TaskResult], None] | None = None) -> dict[str, TaskResult]:
        return self.run(self.evaluate, on_done)

    def apply(
        self,
        expected: dict[str, str | None] | None = None,
        on_done: Callable[[TaskResult], None] | None = None,
    ) -> dict[str, TaskResult]:
        """Apply in graph order. A task is held to its planned fingerprint unless a task it depends on
        changed in this run: then its observed state may legitimately have moved (a delegated admin now
        registered, a vault now created) and it is re-read and applied on what it finds."""
        changed: set[str] = set()

        def work(task: Task) -> TaskResult:
            if task.key in self.read_only:
                return self.gate(task)
            upstream_changed = any(p in changed for p in self.graph.predecessors(task.key))
            return self.apply_one(task, None if upstream_changed else (expected or {}).get(task.key))

        def note(result: TaskResult) -> None:  # runs before any successor is scheduled
            if result.status == "changed":
                changed.add(result.task.key)
            if on_done:
                on_done(result)

        return self.run(work, note)

    def gate(self, task: Task) -> TaskResult:
        """A task of another shard that tasks here depend on: it must already be in its control state
        (its own shard applied it), or its dependents wait (are skipped) rather than act on a premise."""
        result = self.evaluate(task)
        if not result.failed and result.action in ("create", "update", "delete"):
            result.status = "failed"
            result.error = f"{task.key} has changes pending in the shard that owns it; apply that shard first"
        elif not result.failed:
            result.status = "ok"
        return result

    def stop(self, reason: str) -> None:
        """Stop scheduling new tasks (running ones finish); the rest are reported skipped with `reason`.
        Callable from an `on_done` callback, e.g. when the evidence sink fails during apply."""
        self._stop_reason = reason

    def _unless_stopped(self, work: Callable[[Task], TaskResult], task: Task) -> TaskResult:
        """A task queued in the pool before `stop` must not start after it (stop means no next change)."""
        if self._stop_reason is not None:
            return TaskResult(task, action="skipped", status="skipped", error=self._stop_reason)
        return work(task)

    def run(
        self, work: Callable[[Task], TaskResult], on_done: Callable[[TaskResult], None] | None = None
    ) -> dict[str, TaskResult]:
        graph = self.graph
        results: dict[str, TaskResult] = {}
        waiting = {node: graph.in_degree(node) for node in graph}
        ready = deque(startable(graph))
        running: dict[Future[TaskResult], str] = {}
        completed: SimpleQueue[Future[TaskResult]] = SimpleQueue()  # futures as they finish
        per_account: Counter[str] = Counter()
        self._stop_reason = None

        def account_of(node: str) -> str:
            return graph.nodes[node]["task"].account.id

        def finish(result: TaskResult) -> None:
            results[result.task.key] = result
            for callback in [*self.observers, on_done]:
                if callback:
                    callback(result)

        def skip(node: str, reason: str) -> None:
            if node not in results:
                finish(
                    TaskResult(graph.nodes[node]["task"], action="skipped", status="skipped", error=reason)
                )

        def schedule() -> None:
            """Submit ready tasks while fewer than `parallelism` run, at most `max_per_account` at a time
            in any one account (so one throttled account backing off cannot occupy the whole pool). Only
            running tasks are submitted: the pool never holds a backlog, and a completion costs the same
            whether the run has 50 tasks or 6,000 (a backlog of futures made each `wait` walk all of them)."""
            blocked: list[str] = []
            while ready and len(running) < self.parallelism and self._stop_reason is None:
                node = ready.popleft()
                account = account_of(node)
                if per_account[account] >= self.max_per_account:
                    blocked.append(node)
                    continue
                per_account[account] += 1
                future = pool.submit(self._unless_stopped, work, graph.nodes[node]["task"])
                running[future] = node
                future.add_done_callback(completed.put)
            ready.extendleft(reversed(blocked))

        pool = ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="soc2ctl")
        try:
            schedule()
            while running:
                done = [completed.get()]
                while not completed.empty():
                    done.append(completed.get_nowait())
                for future in done:
                    node = running.pop(future)
                    per_account[account_of(node)] -= 1
                    result = future.result()
                    finish(result)
                    if result.failed:
                        for child in nx.descendants(graph, node):
                            skip(child, f"skipped: depends on {node}, which failed")
                        continue
                    for child in graph.successors(node):
                        waiting[child] -= 1
                        if waiting[child] == 0 and child not in results:
                            ready.append(child)
                schedule()
        except KeyboardInterrupt:
            self.interrupted = True
            self._stop_reason = "skipped: run interrupted before this task started"
            for future in running:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            for future in running:
                if future.done() and not future.cancelled() and future.exception() is None:
                    finish(future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for node in graph:
            skip(node, self._stop_reason or "skipped: not reached")
        return {node: results[node] for node in graph}
