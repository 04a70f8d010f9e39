"""The DAG executor: dependency order, skip-on-failure, isolation of failures, clean interruption."""

from __future__ import annotations

import os
import signal
import threading
import time

import networkx as nx

from soc2ctl import registry
from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.config.inventory import Account
from soc2ctl.config.models import ControlSpec
from soc2ctl.engine.executor import Executor, TaskResult
from soc2ctl.engine.tasks import Task


def make_graph(edges: list[tuple[str, str]], nodes: list[str]) -> nx.DiGraph:
    graph = nx.DiGraph()
    for node in nodes:
        control = ControlSpec(id=node, remediation="ebs-default-encryption")
        module = registry.get(control.remediation)
        task = Task(node, control, module, Account(id="111111111111", name="a"), None, "us-east-1", {})  # type: ignore[arg-type]
        graph.add_node(node, task=task)
    graph.add_edges_from(edges)
    return graph


def executor(graph: nx.DiGraph, parallelism: int = 4) -> Executor:
    return Executor(
        AwsSessions(run_id="t"),
        graph,
        parallelism=parallelism,
        home_region="us-east-1",
        management_account_id="111111111111",
    )


def test_dependency_order_and_failure_skips_only_descendants():
    graph = make_graph([("a", "b"), ("b", "c"), ("x", "y")], ["a", "b", "c", "x", "y", "z"])
    order: list[str] = []
    lock = threading.Lock()

    def work(task: Task) -> TaskResult:
        with lock:
            order.append(task.key)
        if task.key == "b":
            return TaskResult(task, action="error", status="failed", error="boom")
        return TaskResult(task, status="ok")

    results = executor(graph).run(work)
    assert order.index("a") < order.index("b")
    assert "c" not in order
    assert results["c"].status == "skipped" and "depends on b, which failed" in results["c"].error
    assert {k for k, r in results.items() if r.status == "ok"} == {"a", "x", "y", "z"}
    assert list(results) == list(graph)  # every task reported, in graph order


def test_parallelism_is_bounded():
    graph = make_graph([], [f"t{i}" for i in range(12)])
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(task: Task) -> TaskResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return TaskResult(task, status="ok")

    executor(graph, parallelism=3).run(work)
    assert 1 < peak <= 3


def test_ctrl_c_stops_scheduling_and_reports_what_ran():
    graph = make_graph([("first", "second")], ["first", "second", "other"])

    def work(task: Task) -> TaskResult:
        if task.key == "first":
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
        return TaskResult(task, status="ok")

    ex = executor(graph, parallelism=1)
    results = ex.run(work)
    assert ex.interrupted
    assert results["second"].status == "skipped"
    assert "interrupted" in results["second"].error
    assert len(results) == 3


def test_per_account_cap_keeps_pool_free_for_other_accounts():
    graph = make_graph([], [f"t{i}" for i in range(8)])
    for i, node in enumerate(graph):
        task = graph.nodes[node]["task"]
        task.account = Account(id=f"{i % 2}" * 12, name=f"acct{i % 2}")
    running: dict[str, int] = {}
    peak: dict[str, int] = {}
    total_peak = 0
    lock = threading.Lock()

    def work(task: Task) -> TaskResult:
        nonlocal total_peak
        with lock:
            running[task.account.id] = running.get(task.account.id, 0) + 1
            peak[task.account.id] = max(peak.get(task.account.id, 0), running[task.account.id])
            total_peak = max(total_peak, sum(running.values()))
        time.sleep(0.03)
        with lock:
            running[task.account.id] -= 1
        return TaskResult(task, status="ok")

    ex = Executor(
        AwsSessions(run_id="t"),
        graph,
        parallelism=8,
        max_per_account=2,
        home_region="us-east-1",
        management_account_id="111111111111",
    )
    ex.run(work)
    assert max(peak.values()) <= 2
    assert total_peak > 2


def test_stop_from_callback_skips_the_rest_with_reason():
    graph = make_graph([("a", "b"), ("b", "c")], ["a", "b", "c"])
    ex = executor(graph, parallelism=1)

    def on_done(result: TaskResult) -> None:
        if result.task.key == "a":
            ex.stop("skipped: evidence sink failed")

    results = ex.run(lambda task: TaskResult(task, status="ok"), on_done)
    assert results["a"].status == "ok"
    assert results["b"].status == "skipped" and results["b"].error == "skipped: evidence sink failed"
    assert results["c"].status == "skipped"


def test_apply_trusts_a_moved_fingerprint_only_below_a_changed_task():
    graph = make_graph([("up", "down"), ("up2", "down2")], ["up", "down", "up2", "down2"])
    ex = executor(graph, parallelism=1)
    seen: dict[str, str | None] = {}

    def apply_one(task, expected_fingerprint=None):
        seen[task.key] = expected_fingerprint
        return TaskResult(task, status="changed" if task.key == "up" else "ok")

    ex.apply_one = apply_one  # the scheduling under test, not the AWS part
    ex.apply({"up": "a", "down": "b", "up2": "c", "down2": "d"})
    assert seen == {"up": "a", "down": None, "up2": "c", "down2": "d"}


def test_each_accounts_longest_task_starts_first_then_the_next_longest():
    """Tasks with nothing to wait for start in rounds across accounts (each account's longest task, then
    each one's next) and, within a round, by their modules' declared reads (about one round trip each),
    longest first, graph order among equals; dependents wait as before."""
    from soc2ctl.engine.tasks import startable

    graph = nx.DiGraph()
    accounts = {"a": Account(id="111111111111", name="a"), "b": Account(id="222222222222", name="b")}
    for key, remediation in [
        ("a-pw", "iam-password-policy"),  # one read
        ("a-gd-1", "guardduty-detector"),  # two
        ("b-pw", "iam-password-policy"),
        ("a-s3", "s3-account-public-access-block"),  # one
        ("a-gd-2", "guardduty-detector"),
        ("a-after-gd", "iam-password-policy"),
    ]:
        module = registry.get(remediation)
        control = ControlSpec(id=key, remediation=remediation)
        task = Task(key, control, module, accounts[key[0]], None, "us-east-1", {})  # type: ignore[arg-type]
        graph.add_node(key, task=task)
    graph.add_edge("a-gd-1", "a-after-gd")
    assert startable(graph) == ["a-gd-1", "b-pw", "a-gd-2", "a-pw", "a-s3"]
    order: list[str] = []

    def work(task: Task) -> TaskResult:
        order.append(task.key)
        return TaskResult(task, status="ok")

    executor(graph, parallelism=1).run(work)
    assert order == ["a-gd-1", "b-pw", "a-gd-2", "a-pw", "a-s3", "a-after-gd"]
