"""`--workers N`: one plan's accounts read by N processes, each with its own thread pool.

Why processes: botocore's per-call work (serialise, sign, parse) is pure Python, so one process is bound
by the interpreter lock to one core however many threads it runs. Why fork: a worker inherits the prepared
run (playbook, inventory, tasks, event handlers) instead of discovering the organization again.

Each worker plans one shard of the run (soc2ctl.run.shard: a stable hash of the account id, organization
tasks in worker 0, with the organization tasks a shard depends on read as context), so a failed
organization task skips its dependents in every worker, as in one process. Workers send plain results
back; the parent puts them in the one-process order and alone tells the observers (evidence, progress),
so evidence is written by one process, in the same order, whatever N is.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
from dataclasses import fields
from multiprocessing.connection import Connection
from typing import Any

from soc2ctl.engine.executor import TaskResult
from soc2ctl.run.shard import Shard, restrict, select

# A worker below this many tasks costs more to start than it saves (only for the default worker count).
MIN_TASKS_PER_WORKER = 48
_RESULT_FIELDS = [f.name for f in fields(TaskResult) if f.name != "task"]
_run: Any = None  # the run a forked worker plans (set just before forking)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def effective_workers(requested: int | None, tasks: int) -> int:
    """`None` (the default): one per core, but only as many as have MIN_TASKS_PER_WORKER tasks each. An
    explicit N is honoured (up to one task per worker). Without fork (Windows, macOS spawn): 1."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested is None:
        return max(1, min(cores(), tasks // MIN_TASKS_PER_WORKER))
    return max(1, min(requested, tasks))


def plan(run: Any, workers: int | None = None) -> dict[str, TaskResult]:
    """`run.executor.plan()`, spread over worker processes when that pays."""
    n = effective_workers(workers, len(run.tasks))
    if n <= 1:
        return run.executor.plan()
    return _plan_in_processes(run, n)


def _plan_in_processes(run: Any, n: int) -> dict[str, TaskResult]:
    global _run
    executor = run.executor
    per_worker = max(1, math.ceil(executor.parallelism / n))  # -p stays the total concurrency
    context = multiprocessing.get_context("fork")
    shares = [select(run.tasks, run.graph, Shard(i, n)) for i in range(n)]
    _run = run
    processes, pipes = [], []
    try:
        for i in range(n):
            receive, send = context.Pipe(duplex=False)
            proc = context.Process(target=_worker, args=(i, n, per_worker, send), daemon=True)
            proc.start()
            send.close()
            processes.append(proc)
            pipes.append(receive)
        plain: dict[str, dict[str, Any]] = {}
        for i, pipe in enumerate(pipes):
            part, interrupted = _receive(pipe, [t.key for t in shares[i].own])
            plain.update(part)
            executor.interrupted = executor.interrupted or interrupted
    except KeyboardInterrupt:
        executor.interrupted = True
        plain = {}
    finally:
        _run = None
        for proc in processes:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return _in_order(run, plain)


def _receive(pipe: Connection, keys: list[str]) -> tuple[dict[str, dict[str, Any]], bool]:
    """A worker's results and whether it was interrupted; a worker that died is reported as failed
    tasks, never as a hang."""
    try:
        status, payload, interrupted = pipe.recv()
    except (EOFError, OSError) as exc:
        status, interrupted = "error", False
        payload = f"worker process ended without results ({exc.__class__.__name__})"
    finally:
        pipe.close()
    if status == "ok":
        return payload, interrupted
    error = f"internal error: plan worker failed: {payload}"
    return {k: {"action": "error", "status": "failed", "error": error} for k in keys}, interrupted


def _in_order(run: Any, plain: dict[str, dict[str, Any]]) -> dict[str, TaskResult]:
    """The one-process order (graph order), each result told to the executor's observers as it would be."""
    executor = run.executor
    reason = "skipped: run interrupted before this task started"
    results: dict[str, TaskResult] = {}
    for key in run.graph:
        task = run.graph.nodes[key]["task"]
        values = plain.get(key) or {"action": "skipped", "status": "skipped", "error": reason}
        result = TaskResult(task, **values)
        results[key] = result
        for observer in executor.observers:
            observer(result)
    return results


def _worker(index: int, count: int, parallelism: int, pipe: Connection) -> None:
    """In the forked child: plan one shard, send plain results, exit without running the parent's atexit."""
    code = 0
    try:
        run = _run
        run.sessions.after_fork()
        selection = restrict(run, Shard(index, count))
        run.executor.parallelism = parallelism
        run.executor.observers = []  # the parent alone records evidence and shows progress
        results = run.executor.plan()
        payload = {
            key: {name: getattr(r, name) for name in _RESULT_FIELDS}
            for key, r in results.items()
            if key not in selection.context
        }
        pipe.send(("ok", payload, run.executor.interrupted))
    except BaseException as exc:  # anything: the parent must hear of it
        code = 1
        with contextlib.suppress(Exception):
            pipe.send(("error", repr(exc), isinstance(exc, KeyboardInterrupt)))
    finally:
        pipe.close()
        os._exit(code)
