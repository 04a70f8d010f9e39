"""A plan's task records, many to a file: `runs/<run_id>/tasks/<first>-<last>.jsonl`, one record per line.

Why: creating a file costs the kernel 0.1-0.8 ms of CPU on a busy disk, as much as the API call the record
describes, and a 6,000-task plan created 6,000 of them. A plan changes nothing, so its records need only be
durable once the run is sealed: the evidence thread gathers what the tasks finished (at most
`BATCH_MAX_RECORDS`, at most `BATCH_WINDOW_S` after the first) and writes one file, whose digest the seal
holds like any other file's. Apply and drift runs keep one file per record, written and synced as each task
completes (a half-finished apply must leave the record of every change it made).

Readers go through `read_records` and `count_records`, which accept both layouts.
"""

from __future__ import annotations

import json
import queue
import re
import time
from typing import Any

BATCH_MAX_RECORDS = 1000
BATCH_WINDOW_S = 1.0
_BATCH_RE = re.compile(r"/tasks/(\d{6})-(\d{6})\.jsonl$")


def batch_name(first: int, last: int) -> str:
    """The file of records `first`..`last` (sequence numbers, inclusive), relative to the run."""
    return f"tasks/{first:06d}-{last:06d}.jsonl"


def is_task_file(key: str) -> bool:
    return "/tasks/" in key


def count_records(key: str) -> int:
    """Records a task file holds, from its name alone (a batch names its range; any other holds one)."""
    if m := _BATCH_RE.search(key):
        return max(0, int(m.group(2)) - int(m.group(1)) + 1)
    return 1


def parse_records(key: str, data: bytes) -> list[Any]:
    """The records in one task file's bytes: each line of a batch, or the one document of a record file.
    Raises ValueError if any part is not JSON."""
    if not _BATCH_RE.search(key):
        return [json.loads(data)]
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def read_records(sink: Any, key: str) -> list[Any]:
    """The records of one task file; raises the sink's error or ValueError as `sink.get`/`json` would."""
    return parse_records(key, sink.get(key))


def gather(source: queue.SimpleQueue[Any]) -> tuple[list[Any], bool]:
    """The next batch from `source`: waits for one item, then takes what arrives within the window, up to
    the maximum. Returns (items, ended); `None` in the queue ends the stream."""
    first = source.get()
    if first is None:
        return [], True
    items = [first]
    deadline = time.monotonic() + BATCH_WINDOW_S
    while len(items) < BATCH_MAX_RECORDS:
        remaining = deadline - time.monotonic()
        try:
            item = source.get(timeout=remaining) if remaining > 0 else source.get_nowait()
        except queue.Empty:
            break
        if item is None:
            return items, True
        items.append(item)
    return items, False
