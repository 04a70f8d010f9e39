"""The progress bar: only on an interactive stderr, one bar per run, never on stdout."""

from __future__ import annotations

import io
import sys
from types import SimpleNamespace

import networkx as nx

from soc2ctl.render.progress import MIN_TASKS, TerminalProgress


def fake_executor(n: int) -> SimpleNamespace:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    return SimpleNamespace(graph=graph, observers=[])


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_piped_quiet_or_small(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    ex = fake_executor(100)
    TerminalProgress.attach(ex, "x")
    assert ex.observers == []
    monkeypatch.setattr(sys, "stderr", Tty())
    TerminalProgress.attach(ex, "x", quiet=True)
    small = fake_executor(MIN_TASKS - 1)
    TerminalProgress.attach(small, "x")
    assert ex.observers == [] and small.observers == []


def test_bar_on_a_terminal_restarts_for_each_run(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stderr", Tty())
    ex = fake_executor(MIN_TASKS)
    TerminalProgress.attach(ex, "reading")
    (bar,) = ex.observers
    for _ in range(MIN_TASKS):  # the plan
        bar(None)
    assert bar._progress is None and bar._done == 0
    bar(None)  # the apply starts a new bar
    assert bar._progress is not None and bar._done == 1
    bar._progress.stop()
    assert capsys.readouterr().out == ""
