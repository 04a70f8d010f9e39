"""Prowler's verdict on the compute group's resources before and after the modules apply (one account).

Seeds the management account of a ThreadedMotoServer with the drifted posture of every compute seed (a
database with no backups, public, unprotected, unencrypted and single-AZ, a public snapshot, an instance on
IMDSv1 outside Systems Manager with an unencrypted volume, a public AMI, a group open on 22 and 3389), runs
Prowler's checks the modules name, applies each module (fixes turned on), and runs Prowler again. Prints per
control: the plan, the apply, and per Prowler check the failing resources before and after. A control that
says it fixed a resource Prowler still fails is a bug or a moto gap (docs/moto-gaps.md).
    .venv/bin/python benchmarks/oracle_prowler_compute.py --prowler /work/scratch/prowler-venv/bin/prowler
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "sandbox"), str(ROOT)]
MODULES = {
    "rds-backup-retention": {},
    "rds-deletion-protection": {},
    "rds-public-access": {},
    "rds-storage-encryption": {},
    "rds-snapshot-public": {},
    "rds-multi-az": {"enable": True},
    "ec2-imdsv2-instances": {"require": True},
    "ebs-volume-encryption": {},
    "ec2-public-ami": {},
    "security-group-admin-ports": {"revoke": True},
    "ec2-ssm-managed": {},
}


def prowler_failures(prowler: str, checks: list[str], out: Path) -> dict[str, tuple[list[str], int]]:
    """check -> (failing resource ids, passing count)."""
    cmd = [prowler, "aws", "--checks", *checks, "--region", "us-east-1", "--output-formats", "json-ocsf"]
    cmd += ["--output-directory", str(out), "--output-filename", "findings", "--no-banner"]
    cmd += ["--ignore-exit-code-3", "--scan-unused-services"]
    subprocess.run(cmd, env=dict(os.environ), capture_output=True, text=True, timeout=3600, check=False)
    found: dict[str, tuple[list[str], int]] = {}
    for path in out.rglob("*.ocsf.json"):
        for f in json.loads(path.read_text() or "[]"):
            failing, passing = found.get(f["metadata"]["event_code"], ([], 0))
            if f["status_code"] == "FAIL":
                failing = [*failing, f["resources"][0]["uid"].rsplit(":", 1)[-1]]
            elif f["status_code"] == "PASS":
                passing += 1
            found[f["metadata"]["event_code"]] = (failing, passing)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prowler", default="/work/scratch/prowler-venv/bin/prowler")
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
        MOTO_EC2_LOAD_DEFAULT_AMIS="false",
    )  # fmt: skip
    from moto.server import ThreadedMotoServer

    from soc2ctl_sandbox import moto_ext

    moto_ext.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = endpoint = f"http://{host}:{port}"
    from soc2ctl import registry
    from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, SeedContext
    from tests.helpers import ModuleRun

    for name in MODULES:
        seed = importlib.import_module(f"soc2ctl_sandbox.seeds.{name.replace('-', '_')}").seed
        seed(SeedContext(endpoint, MANAGEMENT_ACCOUNT, "management", "drifted", "us-east-1", True, {}))
    checks = sorted({c for name in MODULES for c in registry.get(name).prowler_checks})
    work = Path(tempfile.mkdtemp(prefix="oracle-compute-"))
    before = prowler_failures(args.prowler, checks, work / "before")
    runs = {}
    for name, params in MODULES.items():
        run = ModuleRun(name, params, MANAGEMENT_ACCOUNT)
        planned = run.plan()
        runs[name] = (planned.action, run.apply().status, len(planned.changes))
    after = prowler_failures(args.prowler, checks, work / "after")
    server.stop()
    for name, (action, status, changes) in runs.items():
        print(f"{name}: plan {action} ({changes} changes), apply {status}")
        for check in registry.get(name).prowler_checks:
            (bf, bp), (af, ap) = before.get(check, ([], 0)), after.get(check, ([], 0))
            if bf or af:
                print(f"  {check}: FAIL before {bf} (PASS {bp}), after {af} (PASS {ap})")
        quiet = [
            c
            for c in registry.get(name).prowler_checks
            if not (before.get(c, ([], 0))[0] or after.get(c, ([], 0))[0])
        ]
        print(f"  {len(quiet)} other checks fail nothing before or after")


if __name__ == "__main__":
    main()
