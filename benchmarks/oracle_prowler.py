"""An independent second opinion: Prowler's SOC 2-mapped checks before and after `soc2ctl apply`.

Builds a moto organization on a ThreadedMotoServer (the management account plus 8 members in 3 OUs, and NO
account named `audit`), runs Prowler against every account (one process per account, `--role` into it) and
the real soc2ctl CLI with the shipped baseline, both through AWS_ENDPOINT_URL, and prints the agreement
matrix per control over units (control, account):
  both fail | both pass | only soc2ctl fails | only Prowler fails | no result (one side has no finding)
before and after apply, and the count of units soc2ctl says it fixed while Prowler still fails them.
Every such unit is either a bug to fix or a moto gap explained in docs/moto-gaps.md.

Prowler needs no patch to reach moto: botocore honours AWS_ENDPOINT_URL for every client it makes.
Install it outside the repository: `python3 -m venv /work/scratch/prowler-venv &&
/work/scratch/prowler-venv/bin/pip install prowler`, then:
    .venv/bin/python benchmarks/oracle_prowler.py --prowler /work/scratch/prowler-venv/bin/prowler
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROLE = "OrganizationAccountAccessRole"
REGION = "us-east-1"

# soc2ctl control -> the Prowler checks of Prowler's soc2_aws framework that judge the same setting.
MAPPING: dict[str, list[str]] = {
    "org-cloudtrail": [
        "cloudtrail_multi_region_enabled",
        "cloudtrail_log_file_validation_enabled",
        "cloudtrail_cloudwatch_logging_enabled",
    ],
    "security-alarms": [
        "cloudwatch_log_metric_filter_root_usage",
        "cloudwatch_log_metric_filter_unauthorized_api_calls",
        "cloudwatch_log_metric_filter_policy_changes",
        "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
        "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
        "cloudwatch_log_metric_filter_aws_organizations_changes",
    ],
    "config-recorder": ["config_recorder_all_regions_enabled"],
    "guardduty-org": ["guardduty_is_enabled"],
    "securityhub-org": ["securityhub_enabled"],
    "ebs-snapshot-public-access": ["ec2_ebs_snapshot_account_block_public_access"],
    "kms-key-rotation": ["kms_cmk_rotation_enabled"],
    "vpc-flow-logs": ["vpc_flow_logs_enabled"],
    "backup-plan": ["backup_plans_exist"],
    "backup-vault": ["backup_vaults_encrypted"],
    "log-retention": ["cloudwatch_log_group_retention_policy_specific_days_enabled"],
    "central-log-buckets": [
        "s3_bucket_object_versioning",
        "s3_bucket_public_access",
        "s3_bucket_default_encryption",
    ],
    "iam-access-keys": ["iam_user_accesskey_unused"],
}
LAYOUT = [
    ("prod-1", "Workloads/Prod"),
    ("prod-2", "Workloads/Prod"),
    ("prod-3", "Workloads/Prod"),
    ("dev-1", "Workloads/Dev"),
    ("dev-2", "Workloads/Dev"),
    ("dev-3", "Workloads/Dev"),
    ("sbx-1", "Sandbox"),
    ("sbx-2", "Sandbox"),
]
INVENTORY = f"""\
organization: {{discover: true, role_name: {ROLE}, include_management: true}}
regions: [{REGION}]
"""
COLUMNS = ("both fail", "both pass", "only soc2ctl fails", "only Prowler fails", "no result")


def env(endpoint: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "SOC2CTL_HOME": str(home),
        "SOC2CTL_EVIDENCE": str(home / "evidence"),
    }


def start_organization() -> tuple[Any, str, dict[str, str]]:
    from moto.server import ThreadedMotoServer

    from soc2ctl_sandbox import moto_ext
    from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, SandboxAccount, create_organization

    moto_ext.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    layout = tuple(SandboxAccount(n, ou, {"team": n}, "fresh") for n, ou in LAYOUT)
    ids = create_organization(endpoint, layout)
    assert "audit" not in ids
    return server, endpoint, {"management": MANAGEMENT_ACCOUNT, **ids}


def prowler_findings(prowler: str, endpoint: str, work: Path, accounts: list[str], tag: str) -> list[dict]:
    """One Prowler process per account (it scans the account of its credentials), two at a time."""
    checks = sorted({c for cs in MAPPING.values() for c in cs})

    def one(account: str) -> list[dict]:
        out = work / f"prowler-{tag}" / account
        cmd = [prowler, "aws", "--checks", *checks, "--region", REGION, "--output-formats", "json-ocsf"]
        cmd += ["--output-directory", str(out), "--output-filename", "findings", "--no-banner"]
        cmd += ["--ignore-exit-code-3", "--scan-unused-services"]  # default VPCs, idle keys count too
        if account != accounts[0]:
            cmd += ["--role", f"arn:aws:iam::{account}:role/{ROLE}"]
        done = subprocess.run(cmd, env=env(endpoint, work), capture_output=True, text=True, timeout=3600)
        found = list(out.rglob("*.ocsf.json"))
        if not found:
            print(
                f"prowler {tag} {account}: no output: {(done.stderr or done.stdout)[-400:]}", file=sys.stderr
            )
            return []
        return json.loads(found[0].read_text() or "[]")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return [f for batch in pool.map(one, accounts) for f in batch]


def prowler_units(findings: list[dict], buckets: set[str]) -> dict[tuple[str, str], str]:
    """(control, account) -> FAIL if any mapped finding fails, PASS if some pass and none fails."""
    by_check = {c: control for control, cs in MAPPING.items() for c in cs}
    units: dict[tuple[str, str], str] = {}
    for f in findings:
        check = f.get("metadata", {}).get("event_code")
        control = by_check.get(check)
        if control is None or f.get("status_code") not in ("PASS", "FAIL"):
            continue
        if control == "central-log-buckets" and not any(
            r.get("name") in buckets or r.get("uid", "").endswith(tuple(buckets))
            for r in f.get("resources", [])
        ):
            continue  # only the central buckets are this control's
        key = (control, f["cloud"]["account"]["uid"])
        units[key] = "FAIL" if f["status_code"] == "FAIL" or units.get(key) == "FAIL" else "PASS"
    return units


def soc2ctl(cmd: str, endpoint: str, work: Path) -> dict[str, Any]:
    inv = work / "inventory.yml"
    args = [
        str(ROOT / ".venv/bin/soc2ctl"),
        cmd,
        "playbooks/soc2-baseline.yml",
        "-i",
        str(inv),
        "--format",
        "json",
    ]
    if cmd == "apply":
        args.append("--auto-approve")
    done = subprocess.run(
        args, env=env(endpoint, work), cwd=ROOT, capture_output=True, text=True, timeout=3600
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"soc2ctl {cmd} failed: {done.stderr[-800:]}") from None


def soc2ctl_units(plan: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(control, account) -> FAIL when any task of it there is out of state (or could not be read)."""
    units: dict[tuple[str, str], str] = {}
    for t in plan["tasks"]:
        if t["control"] not in MAPPING or (t["region"] not in (None, REGION)):
            continue
        key = (t["control"], t["account_id"])
        bad = t["action"] != "no-op"
        units[key] = "FAIL" if bad or units.get(key) == "FAIL" else "PASS"
    return units


def matrix(ours: dict, theirs: dict) -> dict[str, Counter]:
    rows: dict[str, Counter] = defaultdict(Counter)
    for (control, account), mine in ours.items():
        other = theirs.get((control, account))
        if other is None:
            cell = "no result"
        elif mine == other:
            cell = "both fail" if mine == "FAIL" else "both pass"
        else:
            cell = "only soc2ctl fails" if mine == "FAIL" else "only Prowler fails"
        rows[control][cell] += 1
    return rows


def print_matrix(title: str, rows: dict[str, Counter]) -> None:
    print(f"\n{title}")
    print(f"{'control':<28}" + "".join(f"{c:>20}" for c in COLUMNS))
    total: Counter = Counter()
    for control in sorted(rows):
        total.update(rows[control])
        print(f"{control:<28}" + "".join(f"{rows[control][c]:>20}" for c in COLUMNS))
    print(f"{'TOTAL':<28}" + "".join(f"{total[c]:>20}" for c in COLUMNS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prowler", default="/work/scratch/prowler-venv/bin/prowler")
    parser.add_argument("--members", type=int, default=8, help="member accounts (8 for the reported matrix)")
    args = parser.parse_args()
    LAYOUT[:] = LAYOUT[: args.members]
    server, endpoint, ids = start_organization()
    try:
        with tempfile.TemporaryDirectory(prefix="oracle-") as tmp:
            work = Path(tmp)
            (work / "inventory.yml").write_text(INVENTORY)
            accounts = [ids["management"], *[ids[n] for n, _ in LAYOUT]]
            mgmt = ids["management"]
            buckets = {
                f"soc2ctl-cloudtrail-{mgmt}",
                f"soc2ctl-config-{mgmt}",
                f"soc2ctl-vpc-flow-logs-{mgmt}",
            }
            before_plan = soc2ctl("plan", endpoint, work)
            before = prowler_findings(args.prowler, endpoint, work, accounts, "before")
            applied = soc2ctl("apply", endpoint, work)
            after_plan = soc2ctl("plan", endpoint, work)
            after = prowler_findings(args.prowler, endpoint, work, accounts, "after")
    finally:
        server.stop()
    ours_before, ours_after = soc2ctl_units(before_plan), soc2ctl_units(after_plan)
    theirs_before, theirs_after = prowler_units(before, buckets), prowler_units(after, buckets)
    statuses = Counter(r["status"] for r in applied["results"])
    ous = len({ou for _, ou in LAYOUT})
    print(
        f"organization: management + {len(LAYOUT)} members in {ous} OUs, no account named audit; region {REGION}"
    )
    print(
        f"prowler findings: {len(before)} before, {len(after)} after; soc2ctl apply statuses: {dict(statuses)}"
    )
    print_matrix("BEFORE apply (units: control x account)", matrix(ours_before, theirs_before))
    print_matrix("AFTER apply", matrix(ours_after, theirs_after))
    outside = Counter(
        (control, status)
        for (control, account), status in theirs_after.items()
        if (control, account) not in ours_after
    )
    if outside:
        print(
            "\nAFTER apply, Prowler findings where soc2ctl has no task of that control (org-level controls):"
        )
        for (control, status), n in sorted(outside.items()):
            print(f"  {control:<28} {status} x{n}")
    fixed_but_fail = sorted(
        key
        for key, mine in ours_after.items()
        if mine == "PASS" and ours_before.get(key) == "FAIL" and theirs_after.get(key) == "FAIL"
    )
    print(f"\nsoc2ctl says fixed, Prowler says fail: {len(fixed_but_fail)}")
    for control, account in fixed_but_fail:
        print(f"  {control} {account}")


if __name__ == "__main__":
    main()
