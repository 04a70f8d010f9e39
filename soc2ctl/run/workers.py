"""`--workers N`: one plan's accounts read by N processes, each with its own thread pool.

Why processes: botocore's per-call work (serialise, sign, parse) is pure Python, so one process is bound
by the interpreter lock to one core however many threads it runs. Why fork: a worker inherits the prepared
run (playbook, inventory, tasks, event handlers) instead of discovering the organization again.

Each process plans one shard of the run (soc2ctl.run.shard: a stable hash of the account id, organization
tasks in shard 0, with the organization tasks a shard depends on read as context), so a failed
organization task skips its dependents in every process, as in one process. The parent plans shard 0
itself (N processes are the parent and N-1 forked workers: a worker costs CPU to fork, to copy the pages it
writes and to tear down, and its results must be pickled), while a thread of it reads the workers' results,
which they send in small batches as they finish them. The parent alone tells the observers (evidence,
progress), one result at a time whichever shard it comes from, and returns the results in the one-process
order. The shared clients (one per region and service) are created in the parent before the fork, so the
workers share them instead of each parsing the same models and building the same clients
(soc2ctl.aws.sessions.after_fork empties their connection pools).
"""

from __future__ import annotations

import contextlib
import copy
import math
import multiprocessing
import os
import threading
import time
from dataclasses import fields
from multiprocessing.connection import Connection, wait
from typing import Any

from soc2ctl.aws.iam_actions import botocore_services
from soc2ctl.aws.regions import ALWAYS_ENABLED
from soc2ctl.engine.executor import TaskResult
from soc2ctl.run.quiet_gc import quiet_gc
from soc2ctl.run.shard import Shard, narrow, restrict, select

# A worker below this many tasks costs more to start than it saves (only for the default worker count).
MIN_TASKS_PER_WORKER = 48
# Calls in flight one process keeps up with (only for the default worker count). A call costs ~0.4 ms of
# CPU, so 64 concurrent calls need a whole core only when AWS answers in under ~25 ms. Measured at 50 ms per
# call (docs/scale-out.md): one process was faster than two at 32 and 64 in flight and as fast at 128, and two
# cost 8-25% more CPU (fork, copied pages, a second warm-up). Each further 64 in flight gets another core.
CALLS_IN_FLIGHT_PER_WORKER = 64
SEND_MAX, SEND_EVERY_S = 64, 0.2  # a worker's batch of results: at most this many, this old
_RESULT_FIELDS = [f.name for f in fields(TaskResult) if f.name != "task"]
_run: Any = None  # the run a forked worker plans (set just before forking)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def effective_workers(requested: int | None, tasks: int, parallelism: int) -> int:
    """`None` (the default): one per core that the run's concurrency can keep busy (`parallelism` calls in
    flight, CALLS_IN_FLIGHT_PER_WORKER per process) and that has MIN_TASKS_PER_WORKER tasks to do. An
    explicit N is honoured (up to one task per worker). Without fork (Windows, macOS spawn): 1."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested is None:
        busy = math.ceil(parallelism / CALLS_IN_FLIGHT_PER_WORKER)
        return max(1, min(cores(), busy, tasks // MIN_TASKS_PER_WORKER))
    return max(1, min(requested, tasks))


def plan(run: Any, workers: int | None = None) -> dict[str, TaskResult]:
    """`run.executor.plan()`, spread over worker processes when that pays."""
    n = effective_workers(workers, len(run.tasks), run.executor.parallelism)
    with quiet_gc():  # frozen before forking: the run's objects stay shared with the workers
        if n <= 1:
            return run.executor.plan()
        return _plan_in_processes(run, n)


def _plan_in_processes(run: Any, n: int) -> dict[str, TaskResult]:
    global _run
    executor = run.executor
    per_worker = max(1, math.ceil(executor.parallelism / n))  # -p stays the total concurrency
    context = multiprocessing.get_context("fork")
    shares = [select(run.tasks, run.graph, Shard(i, n)) for i in range(n)]
    run.sessions.warm(_clients(run))  # made once, not once per worker
    _run = run
    processes, pipes, plain = [], {}, {}
    tell = _teller(executor.observers, plain)
    collector = None
    try:
        for i in range(1, n):  # shard 0 is the parent's own
            receive, send = context.Pipe(duplex=False)
            proc = context.Process(target=_worker, args=(i, n, per_worker, send), daemon=True)
            proc.start()
            send.close()
            processes.append(proc)
            pipes[receive] = i
        tasks = {k: run.graph.nodes[k]["task"] for k in run.graph}
        collector = _Collector(executor, pipes, shares, tasks, tell, plain)
        collector.start()
        _plan_here(executor, shares[0], per_worker, tell)
    except KeyboardInterrupt:
        executor.interrupted = True
    finally:
        _run = None
        if collector is not None:
            collector.join()
        for proc in processes:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    if collector is not None and collector.error is not None:
        raise collector.error  # an observer's failure (evidence) is the run's, as in one process
    return _in_order(run, plain)


class _Collector(threading.Thread):
    """The thread that reads the workers' results (`_collect`), keeping what it raised for the caller."""

    def __init__(self, *args: Any) -> None:
        super().__init__(name="soc2ctl-collect", daemon=True)
        self.args_ = args
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            _collect(*self.args_)
        except BaseException as exc:  # re-raised in the parent's main thread after the join
            self.error = exc


def _teller(observers: list[Any], plain: dict[str, TaskResult]) -> Any:
    """Keep a result and tell the observers of it, one result at a time: the parent's own shard and the
    workers' results arrive on two threads, and evidence and progress take them in turn."""
    lock = threading.Lock()

    def tell(result: TaskResult) -> None:
        with lock:
            plain[result.task.key] = result
            for observer in observers:
                observer(result)

    return tell


def _plan_here(executor: Any, selection: Any, parallelism: int, tell: Any) -> None:
    """Shard 0 in the parent: a copy of the executor narrowed to the shard's tasks (the run's own is
    left whole for the one-process order), its results told as they come."""
    local = copy.copy(executor)
    narrow(local, selection)
    local.parallelism = parallelism
    local.observers = []
    local.plan(on_done=lambda result: None if result.task.key in selection.context else tell(result))
    executor.interrupted = executor.interrupted or local.interrupted


def _clients(run: Any) -> set[tuple[str, str]]:
    """The (region, service) clients the workers will use: each task's module's services (from its
    declared IAM actions) in the task's region, STS in the caller's region (role assumption) and EC2 in
    the home region when a task is in an opt-in region (each account's region list, soc2ctl.aws.regions).
    Most were made while discovery waited on AWS (soc2ctl.run.prewarm); `warm` skips those."""
    by_module: dict[str, list[str]] = {}
    clients = {(run.sessions.default_region(), "sts")}
    for task in run.tasks:
        module = task.module
        if module.name not in by_module:
            by_module[module.name] = botocore_services(module.read_actions)
        clients |= {(task.call_region, service) for service in by_module[module.name]}
        if task.region and task.region not in ALWAYS_ENABLED:
            clients.add((run.inventory.home_region, "ec2"))
    return clients


def _collect(
    executor: Any,
    pipes: dict[Connection, int],
    shares: list[Any],
    tasks: dict[str, Any],
    tell: Any,
    told: dict[str, TaskResult],
) -> None:
    """The workers' results as they finish tasks, each told at once (evidence is written and progress
    shown while the workers go on), until every worker has said it is done."""
    while pipes:
        for pipe in wait(list(pipes)):
            index = pipes[pipe]
            try:
                message = pipe.recv()
            except (EOFError, OSError) as exc:
                message = ("died", f"worker process ended without results ({exc.__class__.__name__})")
            kind, payload = message
            if kind == "results":
                for key, values in payload:
                    tell(_rebuilt(tasks[key], values))
                continue
            del pipes[pipe]
            pipe.close()
            if kind == "done":
                executor.interrupted = executor.interrupted or payload
            else:  # the worker failed: its tasks without a result fail, never hang
                error = f"internal error: plan worker {index} failed: {payload}"
                for task in shares[index].own:
                    if task.key not in told:
                        tell(TaskResult(task, action="error", status="failed", error=error))


def _rebuilt(task: Any, values: dict[str, Any]) -> TaskResult:
    """A worker's result in the parent: every field was sent, so they are set at once rather than by the
    dataclass's `__init__` (one `__setattr__` per field, for thousands of results)."""
    result = TaskResult.__new__(TaskResult)
    result.__dict__.update(values)
    result.__dict__["task"] = task
    return result


def _in_order(run: Any, plain: dict[str, TaskResult]) -> dict[str, TaskResult]:
    """The one-process order (graph order); a task no worker reported (interrupted) is skipped."""
    reason = "skipped: run interrupted before this task started"
    results: dict[str, TaskResult] = {}
    for key in run.graph:
        result = plain.get(key)
        if result is None:
            result = TaskResult(
                run.graph.nodes[key]["task"], action="skipped", status="skipped", error=reason
            )
            for observer in run.executor.observers:
                observer(result)
        results[key] = result
    return results


def _worker(index: int, count: int, parallelism: int, pipe: Connection) -> None:
    """In the forked child: plan one shard, send each result as it is done, exit without running the
    parent's atexit handlers."""
    code = 0
    try:
        run = _run
        run.sessions.after_fork()
        run.executor.regions.after_fork()
        selection = restrict(run, Shard(index, count))
        run.executor.parallelism = parallelism
        run.executor.observers = []  # the parent alone records evidence and shows progress

        outbox: list[tuple[str, dict[str, Any]]] = []
        last = [time.monotonic()]

        def send(result: TaskResult) -> None:
            """Results go in batches (at most SEND_EVERY_S old, SEND_MAX long): one pickle and one
            write per batch, not per task, which the parent reads while the workers go on."""
            if result.task.key not in selection.context:
                outbox.append((result.task.key, {name: getattr(result, name) for name in _RESULT_FIELDS}))
            if len(outbox) >= SEND_MAX or time.monotonic() - last[0] >= SEND_EVERY_S:
                flush()

        def flush() -> None:
            if outbox:
                pipe.send(("results", list(outbox)))
                outbox.clear()
            last[0] = time.monotonic()

        run.executor.plan(on_done=send)
        flush()
        pipe.send(("done", run.executor.interrupted))
    except BaseException as exc:  # anything: the parent must hear of it
        code = 1
        with contextlib.suppress(Exception):
            pipe.send(("failed", repr(exc)))
    finally:
        pipe.close()
        os._exit(code)
