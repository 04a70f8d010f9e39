"""How fast is `plan` at Organization scale? Prints figures; it is a script, not a timed test.

    python benchmarks/plan_scale.py --accounts 200 --regions 2 --latency-ms 50 --parallelism 32 --mode fake

Modes:
- `moto`: a moto server in a separate process holds a real organization of N accounts. One moto server
  answers ~200 calls/s whatever the concurrency, so this mode measures moto as much as soc2ctl.
- `fake`: AWS answers come from an in-memory fake at the botocore edge (`before-send`): every call still
  goes through botocore's serialisation, signing and response parsing, but no server is involved, so wall
  time measures soc2ctl's own concurrency against the injected latency. Response bodies are recorded once
  from in-process moto (organizations listings are generated for N accounts).

Both modes inject a client-side latency per call (default 50 ms, like real AWS) and print the lower bound
`calls x latency / parallelism` and our ratio to it. The plan covers the four controls every peer tool can
also check (EBS default encryption, password policy, S3 account public access block, GuardDuty).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }
)
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
    os.environ.pop(_var, None)

import peers  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402

from soc2ctl.engine.plan import plan_document  # noqa: E402
from soc2ctl.run.builder import prepare_run  # noqa: E402

ALL_REGIONS = [
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "us-east-2",
    "eu-west-2",
    "ca-central-1",
    "sa-east-1",
    "ap-south-1",
    "eu-north-1",
]
PLAYBOOK = """\
name: benchmark
controls:
  - {id: iam-password-policy, remediation: iam-password-policy}
  - {id: s3-account-public-access-block, remediation: s3-account-public-access-block}
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
  - {id: guardduty-org, remediation: guardduty-detector}
"""
MANAGEMENT = "123456789012"


def account_id(i: int) -> str:
    return f"{200000000000 + i:012d}"


# ---------------------------------------------------------------- fake AWS at the botocore edge


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

    def record(self) -> None:
        """One plan against in-process moto, keeping the raw HTTP answer of every operation."""
        from moto import mock_aws

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

            run = prepare_run(pb, inv, parallelism=4, on_sessions=lambda s: s.register("after-call", keep))
            run.executor.plan()

    def _organizations(self, operation: str) -> bytes | None:
        ids = [account_id(i) for i in range(self.accounts)]
        if operation == "ListAccounts":
            return json.dumps(
                {"Accounts": [{"Id": i, "Name": f"acct-{i}", "Status": "ACTIVE"} for i in ids]}
            ).encode()
        if operation == "ListAccountsForParent":
            return json.dumps({"Accounts": [{"Id": i, "Name": f"acct-{i}"} for i in ids]}).encode()
        if operation == "ListRoots":
            return json.dumps({"Roots": [{"Id": "r-root", "Name": "Root"}]}).encode()
        if operation == "ListOrganizationalUnitsForParent":
            return json.dumps({"OrganizationalUnits": []}).encode()
        if operation == "ListTagsForResource":
            return json.dumps({"Tags": [{"Key": "env", "Value": "prod"}]}).encode()
        if operation == "DescribeOrganization":
            return json.dumps({"Organization": {"Id": "o-bench", "MasterAccountId": MANAGEMENT}}).encode()
        return None

    def __call__(self, request: Any, operation_name: str | None = None, **kwargs: Any) -> AWSResponse:
        time.sleep(self.latency_s)
        event = kwargs.get("event_name", "")
        service = event.split(".")[1] if event.count(".") >= 1 else ""
        body = self._organizations(operation_name or "") if service == "organizations" else None
        if body is not None:
            return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))
        for key, (status, headers, content) in self.recorded.items():
            if key.endswith(f".{operation_name}"):
                return AWSResponse(request.url, status, headers, _Raw(content))
        return AWSResponse(request.url, 404, {}, _Raw(b'{"__type":"ResourceNotFoundException"}'))


def fake_operation_name(sessions: Any, fake: FakeAws) -> None:
    def before_send(request: Any, **kwargs: Any) -> AWSResponse:
        return fake(request, request.context.get("soc2ctl_operation"), **kwargs)

    def remember(model: Any, context: Any, **_: Any) -> None:
        context["soc2ctl_operation"] = model.name

    sessions.register("before-call", remember)
    sessions.register("before-send", before_send)


# ---------------------------------------------------------------- moto server organization


def start_moto(latency_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    """A moto server in its own process (its CPU is not ours), adding the latency on the server side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Path(__file__).with_name("moto_latency_server.py")
    proc = subprocess.Popen(
        [sys.executable, str(server), "--port", str(port), "--latency-ms", str(latency_ms)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=1).close()
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


def create_moto_org(endpoint: str, accounts: int) -> list[str]:
    import boto3

    org = boto3.client("organizations", endpoint_url=endpoint)
    org.create_organization(FeatureSet="ALL")
    return [
        org.create_account(Email=f"a{i}@example.com", AccountName=f"acct-{i}")["CreateAccountStatus"][
            "AccountId"
        ]
        for i in range(accounts)
    ]


# ---------------------------------------------------------------- the run


def write_inputs(directory: Path, regions: int) -> tuple[Path, Path]:
    pb, inv = directory / "pb.yml", directory / "inv.yml"
    pb.write_text(PLAYBOOK)
    inv.write_text(f"organization: {{discover: true}}\nregions: {json.dumps(ALL_REGIONS[:regions])}\n")
    return pb, inv


def measure(args: argparse.Namespace) -> dict[str, Any]:
    latency_s = args.latency_ms / 1000
    proc = None
    fake = None
    endpoint = ""
    member_ids: list[str] = []
    if args.mode == "moto":
        proc, endpoint = start_moto(args.latency_ms)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        member_ids = create_moto_org(endpoint, args.accounts)
    else:
        fake = FakeAws(args.accounts, latency_s)
        fake.record()
    calls_by_op: Counter[str] = Counter()

    def setup(sessions: Any) -> None:
        sessions.register("after-call", lambda model=None, **_: calls_by_op.update([model.name]))
        if fake:  # client-side latency inside the fake; in moto mode the server adds it
            fake_operation_name(sessions, fake)

    try:
        with tempfile.TemporaryDirectory() as tmp:
            pb, inv = write_inputs(Path(tmp), args.regions)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            run = prepare_run(pb, inv, parallelism=args.parallelism, on_sessions=setup)
            results = run.executor.plan()
            doc = plan_document(results, run_id=run.run_id, **run.sources())
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            peers_rows = run_peers(args, endpoint, Path(tmp), member_ids) if args.mode == "moto" else []
    finally:
        if proc:
            proc.terminate()
    calls = sum(calls_by_op.values())
    tasks = len(results)
    lower = calls * latency_s / args.parallelism
    return {
        "mode": args.mode,
        "accounts": args.accounts,
        "regions": args.regions,
        "parallelism": args.parallelism,
        "latency_ms": args.latency_ms,
        "tasks": tasks,
        "task_errors": doc["summary"]["error"],
        "api_calls": calls,
        "calls_per_task": round(calls / tasks, 2),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_call": round(cpu * 1000 / calls, 3),
        "cpu_ms_per_task": round(cpu * 1000 / tasks, 3),
        "lower_bound_s": round(lower, 2),
        "ratio_to_lower_bound": round(wall / lower, 2) if lower else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads_at_end": threading.active_count(),
        "peers": peers_rows,
    }


def run_peers(args: argparse.Namespace, endpoint: str, workdir: Path, member_ids: list[str]) -> list[dict]:
    """The same work by each tool as a separate process, with wall-time ratios to soc2ctl's CLI."""
    if not (args.c7n_org or args.prowler):
        return []
    regions = ALL_REGIONS[: args.regions]
    rows = [peers.run_soc2ctl(endpoint, workdir, args.parallelism)]
    if args.c7n_org:
        rows.append(peers.run_c7n_org(endpoint, workdir, member_ids, regions, args.c7n_org, args.parallelism))
    if args.prowler:
        rows.append(
            peers.run_prowler(endpoint, workdir, member_ids, regions, args.prowler, args.prowler_workers)
        )
    base = rows[0]["wall_s"]
    for row in rows:
        row["wall_ratio_to_soc2ctl"] = round(row["wall_s"] / base, 2) if base else None
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--parallelism", type=int, default=32)
    parser.add_argument("--mode", choices=["moto", "fake"], default="fake")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--c7n-org", help="path to c7n-org (moto mode): run it on the same organization")
    parser.add_argument("--prowler", help="path to prowler (moto mode): run it on the same organization")
    parser.add_argument("--prowler-workers", type=int, default=2, help="parallel prowler processes")
    args = parser.parse_args()
    if not 1 <= args.accounts <= 1000 or not 1 <= args.regions <= len(ALL_REGIONS):
        parser.error(f"--accounts 1..1000, --regions 1..{len(ALL_REGIONS)}")
    figures = measure(args)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            if key != "peers":
                print(f"{key:>22}: {value}")
        for row in figures["peers"]:
            print(f"{'peer ' + row['tool']:>22}: {row}")


if __name__ == "__main__":
    main()
