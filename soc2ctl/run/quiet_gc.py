"""The cyclic garbage collector kept off a run's long-lived objects, from start-up to the seal.

Why: a full collection walks every tracked object of the process. What exists when a run starts (imported
modules, botocore's models and handlers; in the benchmark, also the moto heap it recorded answers with)
and what the run builds first (inventory, tasks, shared clients) lives until the run ends, so walking it
finds nothing and costs 0.04 s (a bare `soc2ctl plan`) to 0.2 s (the benchmark's heap) each time, at a
moment chance decides. `gc.freeze()` moves them out of the collector's sight, and a larger first
threshold makes the young collections of botocore's short-lived garbage rarer. Objects frozen before a
fork also stay shared with the forked workers (the collector never writes their headers, so their pages
are not copied). The cycles the run itself creates are still collected (young generations), and
everything is handed back to the collector when the run ends, so a process running many runs (the test
suite) does not keep their garbage.

Nested use (the run service around the whole run, `workers.plan` around the reading) freezes again (what
the run built since), and only the outermost exit unfreezes.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

FIRST_THRESHOLD = 50_000
_depth = 0
_lock = threading.Lock()


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    global _depth
    with _lock:
        outermost = _depth == 0
        _depth += 1
        threshold = gc.get_threshold()
        gc.freeze()
        if outermost:
            gc.set_threshold(max(threshold[0], FIRST_THRESHOLD), threshold[1], threshold[2])
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if outermost:
                gc.set_threshold(*threshold)
                gc.unfreeze()
