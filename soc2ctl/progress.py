"""A progress bar for long runs, on stderr, only when stderr is a terminal.

Piped or captured output (CI logs, `| jq`) must stay clean, so the bar exists only on an interactive
stderr and never touches stdout.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextlib.contextmanager
def task_progress(total: int, label: str, *, enabled: bool = True) -> Iterator[Callable[[Any], None]]:
    """Yields an `on_done` callback for the executor; a no-op when there is no terminal."""
    if not enabled or total < 20 or not sys.stderr.isatty():
        yield lambda _result: None
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        bar = progress.add_task(label, total=total)
        yield lambda _result: progress.advance(bar)
