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

Fake mode also measures botocore's own floor: the CPU of one call on a client that already exists,
through the same fake transport, with the same latency and threads, over the run's mix of operations
(`botocore_floor_ms_per_call`: the median of rounds before and after the run, `botocore_floor_spread`
their range; fake_aws.BotocoreFloor).
`cpu_ms_per_call` is everything soc2ctl spent (organization discovery, role assumption, client creation,
modules, diff, evidence; worker processes included) divided by the calls. The lower bound is the larger of
`latency_bound_s` (calls x latency / parallelism) and `cpu_bound_s` (calls x floor / cores).

    python benchmarks/plan_scale.py --table 50,200,1000 --regions 2 --latency-ms 50
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
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
# Scratch files (inputs, evidence) go beside the repository, not in /tmp: on some machines /tmp is a
# filesystem where creating a file costs 30x the CPU, which would be charged to the evidence.
WORK = Path(os.environ.get("SOC2CTL_BENCH_DIR", ROOT / ".bench"))
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
from fake_aws import BotocoreFloor, FakeAws  # noqa: E402

from soc2ctl.engine.plan import plan_document  # noqa: E402
from soc2ctl.run import workers  # noqa: E402
from soc2ctl.run.builder import prepare_run  # noqa: E402
from soc2ctl.run.evidence import EvidenceSettings, RunEvidence  # noqa: E402
from soc2ctl.run.quiet_gc import quiet_gc  # noqa: E402

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
# Rounds of the botocore floor (fake_aws.BotocoreFloor), before and after the run: the median is reported.
FLOOR_ROUNDS_BEFORE, FLOOR_ROUNDS_AFTER = 2, 3
PLAYBOOK = """\
name: benchmark
controls:
  - {id: iam-password-policy, remediation: iam-password-policy}
  - {id: s3-account-public-access-block, remediation: s3-account-public-access-block}
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
  - {id: guardduty-org, remediation: guardduty-detector}
"""
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
        try:
            member_ids = create_moto_org(endpoint, args.accounts)
            peers.seed_mixed_state(endpoint, member_ids, ALL_REGIONS[: args.regions])
        except BaseException:
            proc.terminate()
            raise
    else:
        fake = FakeAws(args.accounts, latency_s)
        fake.record(write_inputs)
        floor_rounds = BotocoreFloor(fake, parallelism=args.parallelism)
        for _ in range(FLOOR_ROUNDS_BEFORE):
            floor_rounds.measure_round()
        floor_rounds.release()
    calls_by_op: Counter[str] = Counter()

    def setup(sessions: Any) -> None:
        if fake:  # client-side latency inside the fake; in moto mode the server adds it
            sessions.register("before-send", fake.before_send)
        else:
            sessions.register("after-call", lambda model=None, **_: calls_by_op.update([model.name]))

    try:
        WORK.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=WORK) as tmp:
            pb, inv = write_inputs(Path(tmp), args.regions)
            evidence = RunEvidence(
                EvidenceSettings(str(Path(tmp) / "evidence"), 1), lambda line: print(line, file=sys.stderr)
            )
            cpu0, wall0 = _cpu(), time.perf_counter()
            with quiet_gc():  # as `soc2ctl plan` runs (soc2ctl.run.service.plan)
                run = prepare_run(pb, inv, parallelism=args.parallelism, on_sessions=setup)
                evidence.start(run, "plan")  # evidence included, as `soc2ctl plan` writes it
                n_workers = workers.effective_workers(args.workers, len(run.tasks), args.parallelism)
                results = workers.plan(run, args.workers)
                doc = plan_document(results, run_id=run.run_id, **run.sources())
                evidence.finish(run, doc.get("plan_sha256"))
            wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
            evidence_files = sum(1 for p in (Path(tmp) / "evidence").rglob("*") if p.is_file())
            peers_rows = run_peers(args, endpoint, Path(tmp), member_ids) if args.mode == "moto" else []
    finally:
        if proc:
            proc.terminate()
    calls = fake.calls.value if fake else sum(calls_by_op.values())
    mix = Counter(_op_key(fake, c.operation) for r in results.values() for c in r.calls) if fake else None
    floors: list[float] = []
    hot = None
    if fake:
        for _ in range(FLOOR_ROUNDS_AFTER):
            floor_rounds.measure_round()
        hot = floor_rounds.hot_loop()
        floors = floor_rounds.floors(mix)
    floor = statistics.median(floors) if floors else None
    tasks = len(results)
    cores = workers.cores()
    latency_bound = calls * latency_s / args.parallelism
    cpu_bound = calls * floor / 1000 / cores if floor else 0.0
    lower = max(latency_bound, cpu_bound)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if n_workers > 1 else 0.0
    return {
        "mode": args.mode,
        "accounts": args.accounts,
        "regions": args.regions,
        "parallelism": args.parallelism,
        "workers": n_workers,
        "cores": cores,
        "latency_ms": args.latency_ms,
        "tasks": tasks,
        "task_errors": doc["summary"]["error"],
        "evidence_files": evidence_files,
        "api_calls": calls,
        "calls_per_task": round(calls / tasks, 2),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_call": round(cpu * 1000 / calls, 3),
        "botocore_floor_ms_per_call": round(floor, 3) if floor else None,
        "botocore_floor_spread": f"{min(floors):.3f}-{max(floors):.3f}" if floors else None,
        "botocore_floor_rounds": [
            round(f, 3) for f in floors
        ],  # the first FLOOR_ROUNDS_BEFORE: before the run
        "cpu_ratio_to_floor": round(cpu * 1000 / calls / floor, 2) if floor else None,
        "cpu_ratio_to_floor_range": (
            f"{cpu * 1000 / calls / max(floors):.2f}-{cpu * 1000 / calls / min(floors):.2f}"
            if floors
            else None
        ),
        "botocore_hot_loop_ms_per_call": round(hot, 3) if hot else None,
        "latency_bound_s": round(latency_bound, 2),
        "cpu_bound_s": round(cpu_bound, 2),
        "lower_bound_s": round(lower, 2),
        "ratio_to_lower_bound": round(wall / lower, 2) if lower else None,
        "peak_rss_mb": round(self_rss, 1),
        "peak_rss_worker_mb": round(child_rss, 1),
        "peak_rss_total_mb_at_most": round(self_rss + n_workers * child_rss, 1),
        "threads_at_end": threading.active_count(),
        # Other processes' demand for the same cores: at a load of L on C cores a CPU second of ours takes
        # about L/C wall seconds, which the lower bound (our CPU on free cores) does not include.
        "load_average_1m": round(os.getloadavg()[0], 1),
        "peers": peers_rows,
    }


def _cpu() -> float:
    """User + system CPU of this process and of its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _op_key(fake: FakeAws, operation: str) -> str:
    return next((k for k in fake.params if k.endswith(f".{operation}")), operation)


def run_peers(args: argparse.Namespace, endpoint: str, workdir: Path, member_ids: list[str]) -> list[dict]:
    """The same work by each tool as a separate process, with wall-time ratios to soc2ctl's CLI and each
    peer's findings compared with soc2ctl's."""
    if not (args.c7n_org or args.prowler):
        return []
    regions = ALL_REGIONS[: args.regions]
    accounts = member_ids  # the accounts soc2ctl's `hosts: all` covers: every member
    results = [peers.measured(peers.run_soc2ctl, endpoint, workdir, args.parallelism)]
    if args.c7n_org:
        # c7n-org runs each account-region in a process of its own, at most C7N_ORG_PARALLEL at once; its
        # best here is one process per account-region (fewer processes were slower, measured)
        c7n_workers = args.c7n_workers or len(accounts) * len(regions)
        results.append(
            peers.measured(peers.run_c7n_org, endpoint, workdir, accounts, regions, args.c7n_org, c7n_workers)
        )
    if args.prowler:
        results.append(
            peers.measured(
                peers.run_prowler, endpoint, workdir, accounts, regions, args.prowler, args.prowler_workers
            )
        )
    rows = [row for row, _ in results]
    peers.compare(rows, [found for _, found in results])
    base = rows[0]["wall_s"]
    for row in rows:
        row["wall_ratio_to_soc2ctl"] = round(row["wall_s"] / base, 2) if base else None
    return rows


TABLE_COLUMNS = [
    "accounts",
    "workers",
    "tasks",
    "api_calls",
    "wall_s",
    "cpu_s",
    "cpu_ms_per_call",
    "botocore_floor_ms_per_call",
    "botocore_floor_spread",
    "cpu_ratio_to_floor",
    "latency_bound_s",
    "cpu_bound_s",
    "lower_bound_s",
    "ratio_to_lower_bound",
    "peak_rss_mb",
    "peak_rss_worker_mb",
    "load_average_1m",
]


def print_table(args: argparse.Namespace) -> None:
    """One fresh process per size (so peak RSS is that size's), one Markdown table."""
    rows = []
    for accounts in [int(a) for a in args.table.split(",")]:
        cmd = [sys.executable, __file__, "--json", "--mode", "fake", "--accounts", str(accounts)]
        cmd += ["--regions", str(args.regions), "--latency-ms", str(args.latency_ms)]
        cmd += ["--parallelism", str(args.parallelism)]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.splitlines()[-1]))
        print(f"# {accounts} accounts done: {rows[-1]['wall_s']} s", file=sys.stderr)
    print("| " + " | ".join(TABLE_COLUMNS) + " |")
    print("|" + "---|" * len(TABLE_COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in TABLE_COLUMNS) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--parallelism", type=int, default=32)
    parser.add_argument("--mode", choices=["moto", "fake"], default="fake")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: soc2ctl's, soc2ctl.run.workers)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--table", help="comma-separated account counts, e.g. 50,200,1000: one fresh process each, one table"
    )
    parser.add_argument("--c7n-org", help="path to c7n-org (moto mode): run it on the same organization")
    parser.add_argument("--prowler", help="path to prowler (moto mode): run it on the same organization")
    parser.add_argument(
        "--c7n-workers", type=int, help="C7N_ORG_PARALLEL (default: one process per account-region)"
    )
    parser.add_argument("--prowler-workers", type=int, default=2, help="parallel prowler processes")
    args = parser.parse_args()
    if args.table:
        print_table(args)
        return
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
