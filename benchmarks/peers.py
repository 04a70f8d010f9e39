"""Side by side: soc2ctl, Cloud Custodian's c7n-org and Prowler on the same moto organization.

Each tool runs as a separate process against the same latency-injecting moto server, through
AWS_ENDPOINT_URL, checking the same four settings in every member account and region: EBS default
encryption, the IAM password policy, the S3 account public access block and GuardDuty. Peers are installed
in their own virtualenvs (`pip install c7n c7n-org`, `pip install prowler`); pass their executables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROLE = "OrganizationAccountAccessRole"
C7N_POLICIES = """\
policies:
  - {name: ebs-default-encryption, resource: account, filters: [{type: default-ebs-encryption, state: false}]}
  - name: password-policy
    resource: account
    filters: [{type: password-policy, key: MinimumPasswordLength, value: 14, op: lt}]
  - {name: s3-public-block, resource: account, filters: [{type: s3-public-block, key: BlockPublicPolicy, value: false}]}
  - {name: guardduty, resource: account, filters: [{not: [{type: guard-duty, Detector.Status: ENABLED}]}]}
"""
PROWLER_CHECKS = [
    "ec2_ebs_default_encryption",
    "iam_password_policy_minimum_length_14",
    "s3_account_level_public_access_blocks",
    "guardduty_is_enabled",
]


def _env(endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def _timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - start, done


def run_soc2ctl(endpoint: str, workdir: Path, parallelism: int) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "soc2ctl.cli.main",
        "plan",
        str(workdir / "pb.yml"),
        "-i",
        str(workdir / "inv.yml"),
        "--format",
        "json",
        "-p",
        str(parallelism),
    ]
    wall, done = _timed(cmd, {**_env(endpoint), "SOC2CTL_HOME": str(workdir)}, ROOT)
    ok = done.returncode in (0, 2)
    tasks = len(json.loads(done.stdout)["tasks"]) if ok else None
    return {
        "tool": "soc2ctl",
        "wall_s": round(wall, 2),
        "ok": ok,
        "tasks": tasks,
        "note": "" if ok else done.stderr[-300:],
    }


def run_c7n_org(
    endpoint: str, workdir: Path, accounts: list[str], regions: list[str], c7n_org: str, workers: int
) -> dict[str, Any]:
    config = {
        "accounts": [
            {
                "account_id": a,
                "name": f"acct-{a}",
                "regions": regions,
                "role": f"arn:aws:iam::{a}:role/{ROLE}",
            }
            for a in accounts
        ]
    }
    (workdir / "c7n-accounts.json").write_text(json.dumps(config))
    (workdir / "c7n-policies.yml").write_text(C7N_POLICIES)
    cmd = [
        c7n_org,
        "run",
        "-c",
        str(workdir / "c7n-accounts.json"),
        "-u",
        str(workdir / "c7n-policies.yml"),
        "-s",
        str(workdir / "c7n-out"),
    ]
    for region in regions:
        cmd += ["-r", region]
    wall, done = _timed(cmd, {**_env(endpoint), "C7N_ORG_PARALLEL": str(workers)}, workdir)
    ran = len(list((workdir / "c7n-out").rglob("resources.json")))
    return {
        "tool": "c7n-org",
        "wall_s": round(wall, 2),
        "ok": done.returncode == 0 and ran > 0,
        "policy_runs": ran,
        "note": "" if done.returncode == 0 else done.stderr[-300:],
    }


def run_prowler(
    endpoint: str, workdir: Path, accounts: list[str], regions: list[str], prowler: str, workers: int
) -> dict[str, Any]:
    """Prowler scans one account per invocation (`--role`), so accounts run as parallel processes."""

    def one(account: str) -> subprocess.CompletedProcess[str]:
        cmd = [
            prowler,
            "aws",
            "--role",
            f"arn:aws:iam::{account}:role/{ROLE}",
            "--checks",
            *PROWLER_CHECKS,
            "--region",
            *regions,
            "--output-directory",
            str(workdir / "prowler-out" / account),
            "--ignore-exit-code-3",
            "--no-banner",
        ]
        return subprocess.run(
            cmd, env=_env(endpoint), cwd=workdir, capture_output=True, text=True, timeout=3600
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(one, accounts))
    wall = time.perf_counter() - start
    failed = [r for r in runs if r.returncode != 0]
    return {
        "tool": "prowler",
        "wall_s": round(wall, 2),
        "ok": not failed,
        "failed_accounts": len(failed),
        "note": (failed[0].stderr or failed[0].stdout)[-300:] if failed else "",
    }
