"""Prowler's verdict on the management account after `soc2ctl apply`, with and without it as a target.

A moto organization on a ThreadedMotoServer (the management account, as moto makes it, plus 2 members), the
real soc2ctl CLI with the shipped baseline, and Prowler's checks of the settings the management account
used to fail (password policy, EBS default encryption, S3 account public access block, default security
group, Config recorder), run against the management account's own credentials (with the same loopback
host fix for s3control as benchmarks/peers.py gives the peers):

1. apply with an inventory that leaves the management account out (`include_management: false`, what the
   shipped inventories said before issue #18), then Prowler;
2. apply with the shipped `inventories/example-discovered.yml`, unchanged, then Prowler again.

Prints, per check, PASS/FAIL after each apply, and soc2ctl's own plan after the second apply for the
management account's account and region tasks. Prowler lives outside the repository:
    .venv/bin/python benchmarks/management_prowler.py --prowler /work/scratch/prowler-venv/bin/prowler
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.oracle_prowler import REGION, env  # noqa: E402
from benchmarks.peers import SITECUSTOMIZE  # noqa: E402  (s3control's `<account>.` host on loopback)

CHECKS = [
    "iam_password_policy_minimum_length_14",
    "iam_password_policy_uppercase",
    "iam_password_policy_lowercase",
    "iam_password_policy_number",
    "iam_password_policy_symbol",
    "iam_password_policy_reuse_24",
    "ec2_ebs_default_encryption",
    "s3_account_level_public_access_blocks",
    "ec2_securitygroup_default_restrict_traffic",
    "config_recorder_all_regions_enabled",
]
LEFT_OUT = (
    "organization: {discover: true, include_management: false}\nregions: [us-east-1, us-east-2, eu-west-1]\n"
)


def start() -> tuple[object, str]:
    from moto.server import ThreadedMotoServer

    from soc2ctl_sandbox import moto_ext
    from soc2ctl_sandbox.seed import SandboxAccount, create_organization

    moto_ext.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    layout = (
        SandboxAccount("app-prod", "Workloads/Prod", {"env": "prod"}, "fresh"),
        SandboxAccount("app-dev", "Workloads/Dev", {}, "fresh"),
    )
    create_organization(endpoint, layout)
    return server, endpoint


def soc2ctl(cmd: str, inventory: Path, endpoint: str, work: Path) -> dict:
    args = [str(ROOT / ".venv/bin/soc2ctl"), cmd, "soc2-baseline", "-i", str(inventory), "--format", "json"]
    args += ["--evidence", str(work / "evidence")] + (["--auto-approve"] if cmd == "apply" else [])
    done = subprocess.run(
        args, env=env(endpoint, work), cwd=ROOT, capture_output=True, text=True, timeout=3600
    )
    if cmd == "plan":
        warned = [line for line in done.stderr.splitlines() if line.startswith("warning: the management")]
        print(f"  plan stderr warning lines: {len(warned)}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"soc2ctl {cmd} failed: {done.stderr[-800:]}") from None


def prowler(binary: str, endpoint: str, work: Path, tag: str) -> dict[str, str]:
    out = work / f"prowler-{tag}"
    cmd = [binary, "aws", "--checks", *CHECKS, "--region", REGION, "--output-formats", "json-ocsf"]
    cmd += ["--output-directory", str(out), "--output-filename", "findings", "--no-banner"]
    cmd += ["--ignore-exit-code-3", "--scan-unused-services"]
    shim = work / "prowler-shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    environment = {**env(endpoint, work), "PYTHONPATH": str(shim)}
    done = subprocess.run(cmd, env=environment, capture_output=True, text=True, timeout=3600)
    found = list(out.rglob("*.ocsf.json"))
    if not found:
        raise SystemExit(f"prowler {tag}: no output: {(done.stderr or done.stdout)[-800:]}")
    verdict: dict[str, str] = {}
    for f in json.loads(found[0].read_text() or "[]"):
        check, status = f["metadata"]["event_code"], f["status_code"]
        if status in ("PASS", "FAIL"):
            verdict[check] = "FAIL" if status == "FAIL" or verdict.get(check) == "FAIL" else "PASS"
    return verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prowler", required=True, help="path to the prowler executable")
    args = parser.parse_args()
    server, endpoint = start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            left_out = work / "left-out.yml"
            left_out.write_text(LEFT_OUT)
            shipped = ROOT / "inventories" / "example-discovered.yml"
            print("apply, management account left out:")
            soc2ctl("plan", left_out, endpoint, work)
            soc2ctl("apply", left_out, endpoint, work)
            before = prowler(args.prowler, endpoint, work, "left-out")
            print("apply, shipped inventories/example-discovered.yml:")
            soc2ctl("plan", shipped, endpoint, work)
            soc2ctl("apply", shipped, endpoint, work)
            after = prowler(args.prowler, endpoint, work, "shipped")
            plan = soc2ctl("plan", shipped, endpoint, work)
    finally:
        server.stop()
    print(f"\n{'Prowler check (management account)':<46} {'left out':<9} shipped")
    for check in CHECKS:
        print(f"{check:<46} {before.get(check, '-'):<9} {after.get(check, '-')}")
    mine = [t for t in plan["tasks"] if t["account_name"] == "master" and t["scope"] != "org"]
    counts: dict[str, int] = {}
    for t in mine:
        counts[t["action"]] = counts.get(t["action"], 0) + 1
    print(f"\nsoc2ctl plan after the second apply, management account/region tasks: {counts}")
    print("  not in state:", [t["key"] for t in mine if t["action"] != "no-op"])


if __name__ == "__main__":
    main()
