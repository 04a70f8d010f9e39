"""AWS answers from memory at the botocore edge, and botocore's own CPU floor through the same transport.

Only public botocore interfaces: the `before-send` event (whose name carries service and operation, and
whose handler may return the response), `before-parameter-build` (to keep one example of each operation's
parameters for the floor), and `AWSResponse`. Every call still goes through botocore's serialisation,
signing and response parsing; only the socket is skipped.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from soc2ctl.run.quiet_gc import quiet_gc

MANAGEMENT = "123456789012"


def account_id(i: int) -> str:
    return f"{200000000000 + i:012d}"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


class FakeAws:
    """Replays recorded response bodies per operation; generates the Organizations listings for N accounts."""

    def __init__(self, accounts: int, latency_s: float) -> None:
        self.accounts = accounts
        self.latency_s = latency_s
        self.recorded: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.params: dict[str, tuple[str, dict[str, Any]]] = {}  # "service.Op" -> (region, params)
        self.calls = multiprocessing.Value("q", 0)  # counted across forked workers too
        self.recorded_mix: Counter[str] = Counter()  # "service.Op" -> calls in the recorded plan
        self._org_bodies: dict[str, bytes] = {}

    def record(self, write_inputs: Callable[[Path, int], tuple[Path, Path]]) -> None:
        """One plan against in-process moto, keeping the raw HTTP answer of every operation."""
        from moto import mock_aws

        from soc2ctl.run.builder import prepare_run
        from soc2ctl_sandbox.seed import SandboxAccount, create_organization

        with mock_aws(), tempfile.TemporaryDirectory() as tmp:
            create_organization(None, (SandboxAccount("template", "Workloads", {}, "fresh"),))  # type: ignore[arg-type]
            pb, inv = write_inputs(Path(tmp), 1)

            def keep(http_response: Any = None, model: Any = None, **_: Any) -> None:
                key = f"{model.service_model.service_name}.{model.name}"
                self.recorded_mix[key] += 1
                if http_response is not None:  # errors too: NoSuchEntity is how "absent" is said
                    self.recorded[key] = (
                        http_response.status_code,
                        dict(http_response.headers),
                        http_response.content,
                    )

            def params(params: Any = None, model: Any = None, **_: Any) -> None:
                key = f"{model.service_model.service_name}.{model.name}"
                self.params.setdefault(key, ("us-east-1", dict(params or {})))

            def setup(sessions: Any) -> None:
                sessions.register("after-call", keep)
                sessions.register("before-parameter-build", params)

            prepare_run(pb, inv, parallelism=4, on_sessions=setup).executor.plan()

    def _organizations(self, operation: str) -> bytes | None:
        if operation in self._org_bodies:
            return self._org_bodies[operation]
        ids = [account_id(i) for i in range(self.accounts)]
        docs = {
            "ListAccounts": {"Accounts": [{"Id": i, "Name": f"acct-{i}", "Status": "ACTIVE"} for i in ids]},
            "ListAccountsForParent": {"Accounts": [{"Id": i, "Name": f"acct-{i}"} for i in ids]},
            "ListRoots": {"Roots": [{"Id": "r-root", "Name": "Root"}]},
            "ListOrganizationalUnitsForParent": {"OrganizationalUnits": []},
            "ListTagsForResource": {"Tags": [{"Key": "env", "Value": "prod"}]},
            "DescribeOrganization": {"Organization": {"Id": "o-bench", "MasterAccountId": MANAGEMENT}},
        }
        if operation not in docs:
            return None
        self._org_bodies[operation] = json.dumps(docs[operation]).encode()
        return self._org_bodies[operation]

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> AWSResponse:
        """`before-send.<service>.<Operation>`: the handler's response ends the call's HTTP part."""
        with self.calls.get_lock():
            self.calls.value += 1
        if self.latency_s:
            time.sleep(self.latency_s)
        _, service, operation = event_name.split(".", 2)
        body = self._organizations(operation) if service == "organizations" else None
        if body is not None:
            return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))
        for key, (status, headers, content) in self.recorded.items():
            if key.endswith(f".{operation}"):
                return AWSResponse(request.url, status, headers, _Raw(content))
        return AWSResponse(request.url, 404, {}, _Raw(b'{"__type":"ResourceNotFoundException"}'))


class BotocoreFloor:
    """CPU ms of one call on a botocore client that already exists (one per service, created before any
    timing), through the same fake transport, with the run's latency and threads, over the run's mix of
    operations.

    Measured in rounds, some before the run and some after it, because the figure moves with the machine
    (a call that follows a 50 ms wait finds cold CPU caches, colder when other processes run): the median
    round is reported with the spread of all rounds, never the most favourable one. The run's mix of
    operations is known only after the run, so each round records each operation's CPU on its own (the
    calling thread's CPU clock around the call) and the CPU its thread pool spent besides the calls
    (submitting, futures, thread hand-offs: what `ThreadPoolExecutor.map` over the calls costs); a round's
    floor is then the run's mix of those per-operation costs plus that per-call overhead. A round's calls
    are the recorded plan's mix, shuffled (interleaved like the run's tasks, not grouped by operation).
    One warm-up pass after the clients are made (each operation at least once, no latency) is not counted;
    the clients are dropped during the run (`release`) and made again after it."""

    def __init__(self, fake: FakeAws, *, parallelism: int, calls_per_round: int = 600) -> None:
        self.fake = fake
        self.parallelism = parallelism
        self.calls_per_round = calls_per_round
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        # Per round: CPU seconds and calls per operation, and the pool's CPU per call besides the calls.
        self.rounds: list[tuple[dict[str, float], dict[str, int], float]] = []

    def _clients(self) -> None:
        """The floor's own session and clients (plain botocore), and the round's shuffled calls."""
        import botocore.session

        from soc2ctl.aws.sessions import strip_loopback_account_prefix

        fake = self.fake
        session = botocore.session.Session()
        session.set_credentials("testing", "testing")
        session.register("before-send", fake.before_send)
        session.register("before-sign.s3-control", strip_loopback_account_prefix)
        weights = {k: n for k, n in fake.recorded_mix.items() if k in fake.params} or dict.fromkeys(
            fake.params, 1
        )
        total = sum(weights.values())
        clients: dict[str, Any] = {}
        for key, count in sorted(weights.items()):
            service, operation = key.split(".", 1)
            region, params = fake.params[key]
            if service not in clients:
                clients[service] = session.create_client(service, region_name=region)
            method = getattr(clients[service], xform_name(operation))
            self.calls += [(key, method, params)] * max(1, round(self.calls_per_round * count / total))
        random.Random(0).shuffle(self.calls)

    def release(self) -> None:
        """Drop the floor's session and clients before the run (their models are not the run's memory,
        and forked workers would inherit them); the next round builds and warms them again."""
        self.calls = []
        gc.collect()

    def measure_round(self) -> None:
        """One round with the run's latency and threads."""
        with self._not_the_runs_calls():
            if not self.calls:
                self._clients()
                self.fake.latency_s, latency = 0.0, self.fake.latency_s
                try:  # the caches a long run has warm (endpoint rules, first call of each operation)
                    for _key, method, params in (
                        list({c[0]: c for c in self.calls}.values()) + self.calls[:50]
                    ):
                        _call(method, params)
                finally:
                    self.fake.latency_s = latency
            cpu_by_op: Counter[str] = Counter()
            count_by_op: Counter[str] = Counter()

            def timed(call: tuple[str, Any, dict[str, Any]]) -> tuple[str, float]:
                start = time.thread_time()
                _call(call[1], call[2])
                return call[0], time.thread_time() - start

            with quiet_gc():  # the collector as the run has it (soc2ctl.run.quiet_gc)
                cpu0 = time.process_time()
                with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
                    timings = list(pool.map(timed, self.calls))
                total = time.process_time() - cpu0
            for key, seconds in timings:
                cpu_by_op[key] += seconds
                count_by_op[key] += 1
            overhead = (total - sum(cpu_by_op.values())) / len(timings)
            self.rounds.append((dict(cpu_by_op), dict(count_by_op), overhead))

    def hot_loop(self) -> float:
        """The same calls back to back on one thread, no latency: the cheapest a call can be (ms)."""
        with self._not_the_runs_calls():
            self.fake.latency_s, latency = 0.0, self.fake.latency_s
            try:
                cpu0 = time.process_time()
                for _, method, params in self.calls:
                    _call(method, params)
                return (time.process_time() - cpu0) * 1000 / len(self.calls)
            finally:
                self.fake.latency_s = latency

    def floors(self, mix: Counter[str]) -> list[float]:
        """Each round's floor (ms per call) for the run's mix of operations (those the fake can replay)."""
        measured = self.rounds[0][1] if self.rounds else {}
        known = {k: n for k, n in mix.items() if k in measured}
        total = sum(known.values()) or 1
        floors = []
        for cpu_by_op, count_by_op, overhead in self.rounds:
            per_call = sum(n * cpu_by_op[k] / count_by_op[k] for k, n in known.items()) / total
            floors.append((per_call + overhead) * 1000)
        return floors

    @contextlib.contextmanager
    def _not_the_runs_calls(self) -> Any:
        before = self.fake.calls.value
        try:
            yield
        finally:
            with self.fake.calls.get_lock():
                self.fake.calls.value = before


def _call(method: Any, params: dict[str, Any]) -> None:
    with contextlib.suppress(ClientError):  # "absent" answers (NoSuchEntity) are calls like any other
        method(**params)
