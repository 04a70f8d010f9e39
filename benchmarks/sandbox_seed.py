"""How long seeding the sandbox organization takes, and how many AWS calls it makes.

Two ways of seeding the same organization (13 accounts, 2 regions, 25 seed files):
- `http`: over HTTP to a moto server in this process (how tests and benchmarks seed their own servers);
- `in-process`: what `soc2ctl sandbox up` does: moto answers in-process before the server listens, one
  client per (region, service) shared by every account, KMS key material generated once per key spec.
Prints wall and CPU seconds and the number of API calls for each; run on an idle machine for comparable
figures (docs/benchmarks.md records them).

    python benchmarks/sandbox_seed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
    os.environ.pop(var, None)


def count_calls() -> collections.Counter:
    import botocore.client

    calls: collections.Counter = collections.Counter()
    original = botocore.client.BaseClient._make_api_call

    def counted(self, operation, params):
        calls[(self.meta.service_model.service_name, operation)] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counted
    return calls


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def seed_http() -> None:
    from moto.server import ThreadedMotoServer

    from soc2ctl_sandbox.seed import seed_organization

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        import urllib.request

        urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST")
        ).close()
        seed_organization(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


def seed_in_process() -> None:
    from soc2ctl_sandbox.seed import seed_in_process as seed

    seed()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    started = time.perf_counter()
    from soc2ctl_sandbox import moto_ext

    moto_ext.apply()
    print(f"import moto + extensions: {time.perf_counter() - started:.2f} s (load {os.getloadavg()[0]:.1f})")
    calls = count_calls()
    for name, fn in (("http", seed_http), ("in-process", seed_in_process)):
        results = []
        for _ in range(args.repeat):
            calls.clear()
            results.append(timed(fn))
        wall, cpu = min(r[0] for r in results), min(r[1] for r in results)
        print(
            f"{name:>10}: {wall:6.2f} s wall, {cpu:6.2f} s CPU (best of {args.repeat}), {sum(calls.values())} calls"
        )


if __name__ == "__main__":
    main()
