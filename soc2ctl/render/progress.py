"""A progress bar for long runs, on stderr, only when stderr is a terminal.

Piped or captured output (CI logs, `| jq`) must stay clean, so the bar exists only on an interactive
stderr and never touches stdout. It is an executor observer: every run (the plan, then the apply) gets a
bar of its own that disappears when the run's last task reports.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported when a bar is drawn: a piped run (CI, a benchmark) never needs it
    from rich.progress import Progress, TaskID

MIN_TASKS = 20  # below this a run is over before a bar helps


class TerminalProgress:
    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._bar: TaskID | None = None
        self._done = 0

    @classmethod
    def attach(cls, executor: Any, label: str, *, quiet: bool = False) -> None:
        total = executor.graph.number_of_nodes()
        if quiet or total < MIN_TASKS or not sys.stderr.isatty():
            return
        executor.observers.append(cls(total, label))

    def __call__(self, _result: Any) -> None:
        with self._lock:
            if self._progress is None:
                self._progress, self._bar = self._start()
            self._done += 1
            assert self._bar is not None
            self._progress.advance(self._bar)
            if self._done >= self.total:
                self._progress.stop()
                self._progress, self._bar, self._done = None, None, 0

    def _start(self) -> tuple[Progress, TaskID]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        progress.start()
        return progress, progress.add_task(self.label, total=self.total)
