"""AWS answers from memory at the botocore edge, and botocore's own CPU floor through the same transport.

Only public botocore interfaces: the `before-send` event (whose name carries service and operation, and
whose handler may return the response), `before-parameter-build` (to keep one example of each operation's
parameters for the floor), and `AWSResponse`. Every call still goes through botocore's serialisation,
signing and response parsing; only the socket is skipped.
"""

from __future__ import annotations

import contextlib
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


def botocore_floor(
    fake: FakeAws, mix: Counter[str], *, parallelism: int, samples: int = 1500
) -> dict[str, float]:
    """CPU ms of one call on a botocore client that already exists (one per service and region, created
    before timing), through the same fake transport, over the run's mix of operations. Measured twice:
    `same_conditions`: with the run's latency and parallelism (what botocore costs in the run: a call
    that follows a 50 ms wait finds cold CPU caches and costs ~3x a call in a tight loop on this kind of
    machine); `hot_loop`: back to back, no latency (the cheapest a call can be)."""
    import botocore.session

    from soc2ctl.aws.sessions import strip_loopback_account_prefix

    session = botocore.session.Session()
    session.set_credentials("testing", "testing")
    session.register("before-send", fake.before_send)
    session.register("before-sign.s3-control", strip_loopback_account_prefix)
    known = {k: n for k, n in mix.items() if k in fake.params}
    total = sum(known.values()) or 1
    calls: list[tuple[Any, dict[str, Any]]] = []
    for key, count in sorted(known.items()):
        service, operation = key.split(".", 1)
        region, params = fake.params[key]
        client = session.create_client(service, region_name=region)
        method = getattr(client, xform_name(operation))
        calls += [(method, params)] * max(1, round(samples * count / total))
    random.Random(0).shuffle(calls)  # interleaved like the run's tasks, not grouped by operation
    latency, before = fake.latency_s, fake.calls.value
    try:
        fake.latency_s = 0.0
        for method, params in calls[:50]:  # warm the caches a long run has warm (endpoint rules)
            _call(method, params)
        hot = _cpu_per_call(calls, 1)
        fake.latency_s = latency
        same = _cpu_per_call(calls, parallelism)
    finally:
        fake.latency_s = latency
        with fake.calls.get_lock():
            fake.calls.value = before  # the floor's calls are not the run's
    return {"same_conditions": same, "hot_loop": hot}


def _cpu_per_call(calls: list[tuple[Any, dict[str, Any]]], threads: int) -> float:
    cpu0 = time.process_time()
    if threads == 1:
        for method, params in calls:
            _call(method, params)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda c: _call(*c), calls))
    return (time.process_time() - cpu0) * 1000 / max(1, len(calls))


def _call(method: Any, params: dict[str, Any]) -> None:
    with contextlib.suppress(ClientError):  # "absent" answers (NoSuchEntity) are calls like any other
        method(**params)
