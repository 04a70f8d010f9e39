"""Where a fake-mode plan spends its CPU, per part, without a profiler's overhead: each part is wrapped and
charged the CPU time (`time.thread_time`) of the thread that ran it. Parts nest (a module's read contains
its botocore calls), so the figures do not add up to the total. One process (`--workers 1`).

    python benchmarks/profile_plan.py --accounts 200 --regions 2 --parallelism 32

For a sampled profile of the same run: `py-spy record -f raw -o prof.txt -- python
benchmarks/plan_scale.py --accounts 200 --workers 1`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import botocore.client
import plan_scale

from soc2ctl.aws import sessions
from soc2ctl.engine import executor
from soc2ctl.evidence import sinks, writer

charged: Counter[str] = Counter()
_on = threading.Event()
_lock = threading.Lock()


def charge(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _on.is_set():
            return original(*args, **kwargs)
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            with _lock:
                charged[label] += time.thread_time() - start

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", type=int, default=2)
    parser.add_argument("--parallelism", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    charge(executor.Executor, "run", "the scheduling thread (submitting, observers; not the tasks)")
    charge(executor.Executor, "evaluate", "task evaluation (all of it)")
    charge(executor.Executor, "_read_into", "module read, desired, diff, fingerprint (in evaluation)")
    charge(botocore.client.BaseClient, "_make_api_call", "botocore calls")
    charge(sessions.AwsSessions, "_assume", "role assumption")
    charge(sessions.AwsSessions, "_create_client", "client creation (shared per region and service)")
    charge(sessions.AwsSessions, "warm", "service models loaded before forking")
    charge(writer.EvidenceWriter, "_record", "evidence: one task record (all of it)")
    charge(writer, "task_record", "evidence: building the record")
    charge(writer.EvidenceWriter, "_record_batch", "evidence: a batch of task records (all of it)")
    charge(sinks.LocalSink, "put_deferred", "evidence: creating the file")
    charge(plan_scale, "prepare_run", "discovery and task building")
    charge(plan_scale, "plan_document", "plan document")
    charge(plan_scale.RunEvidence, "finish", "evidence: seal")
    record = plan_scale.FakeAws.record

    def record_then_measure(self: Any, *a: Any) -> None:
        record(self, *a)
        _on.set()  # the recording (in-process moto) is not the run

    plan_scale.FakeAws.record = record_then_measure  # type: ignore[method-assign]
    for name in ("measure_round", "hot_loop"):
        original = getattr(plan_scale.BotocoreFloor, name)

        def uncharged(*a: Any, _original: Any = original, **k: Any) -> Any:
            was_on = _on.is_set()
            _on.clear()  # the floor's own calls are not the run's
            try:
                return _original(*a, **k)
            finally:
                if was_on:
                    _on.set()

        setattr(plan_scale.BotocoreFloor, name, uncharged)
    figures = plan_scale.measure(
        argparse.Namespace(
            accounts=args.accounts,
            regions=args.regions,
            latency_ms=args.latency_ms,
            parallelism=args.parallelism,
            mode="fake",
            workers=1,
            c7n_org=None,
            prowler=None,
            prowler_workers=1,
        )
    )
    keys = ("api_calls", "cpu_s", "cpu_ms_per_call", "botocore_floor_ms_per_call", "load_average_1m")
    print({k: figures[k] for k in keys})
    for label, seconds in charged.most_common():
        print(f"{seconds:8.3f} s  {seconds * 1000 / figures['api_calls']:6.3f} ms/call  {label}")


if __name__ == "__main__":
    main()
