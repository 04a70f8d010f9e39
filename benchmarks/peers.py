"""Side by side: soc2ctl, Cloud Custodian's c7n-org and Prowler on the same moto organization.

Each tool runs as a separate process against the same latency-injecting moto server, through
AWS_ENDPOINT_URL, over the same accounts (every member: what the playbook's `hosts: all` covers) and regions, checking
the same four settings: the IAM password policy (every field soc2ctl's iam-password-policy checks, and
"no policy at all"), the S3 account public access block (all four flags, and "no configuration"), EBS
default encryption (per region) and GuardDuty (an enabled detector, per region).

Honesty checks: each tool's findings are normalised to (check, account, region) and compared with
soc2ctl's, so a peer that silently checks less (a filter that misses accounts without a policy) or fails on
the loopback endpoint shows up as different findings, not as a faster time. The first nine members are
seeded with compliant and non-compliant settings (MIXED_STATE), so the findings can tell the tools apart.

The loopback endpoint: s3control puts `<account>.` in front of the host, which cannot resolve on 127.0.0.1.
soc2ctl strips it (soc2ctl.aws.sessions); the peers get the same one-line fix through a `sitecustomize`
module on their PYTHONPATH (a botocore built-in handler), so their S3 account check works too.

Parallelism: at most as many requests in flight for soc2ctl as for c7n-org. c7n-org gets one process per
account-region (C7N_ORG_PARALLEL, its best here: medians of 3 paired runs 17.4 s with 24 processes, 18.9 s
with 16, 20.5 s with 8, its default on 2 cores), soc2ctl `--parallelism` threads in one process (the documented
command: 24). Prowler scans one account per invocation, so accounts run as parallel Prowler processes (`--prowler-workers`).
c7n-org caches what it described for 15 minutes in ~/.cache/c7n-org: each run gets a fresh cache directory,
so no run is answered from an earlier one. Each row carries the CPU its processes used and the load when it
started.

Peers are installed in their own virtualenvs outside the repository (`pip install c7n c7n-org`,
`pip install prowler`); pass their executables.
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROLE = "OrganizationAccountAccessRole"
GLOBAL_CHECKS = frozenset({"password-policy", "s3-public-block"})

_TRUE_OR_ABSENT = "{type: %s, key: %s, value: true, op: ne}"  # false or absent
C7N_POLICIES = "\n".join(
    [
        "policies:",
        "  - name: ebs-default-encryption",
        "    resource: account",
        "    filters: [{type: default-ebs-encryption, state: false}]",
        "  - name: password-policy",
        "    resource: account",
        "    filters:",
        "      - or:",
        "        - {type: password-policy, key: PasswordPolicyConfigured, value: false}",
        "        - {type: password-policy, key: MinimumPasswordLength, value: 14, op: lt}",
        *(
            "        - " + _TRUE_OR_ABSENT % ("password-policy", k)
            for k in (
                "RequireSymbols",
                "RequireNumbers",
                "RequireUppercaseCharacters",
                "RequireLowercaseCharacters",
                "AllowUsersToChangePassword",
            )
        ),
        "        - {type: password-policy, key: MaxPasswordAge, value: absent}",
        "        - {type: password-policy, key: MaxPasswordAge, value: 1, op: lt}",  # 0: never (moto's way)
        "        - {type: password-policy, key: MaxPasswordAge, value: 90, op: gt}",
        "        - {type: password-policy, key: PasswordReusePrevention, value: absent}",
        "        - {type: password-policy, key: PasswordReusePrevention, value: 24, op: lt}",
        "        - {type: password-policy, key: HardExpiry, value: true}",
        "  - name: s3-public-block",
        "    resource: account",
        "    filters:",
        "      - or:",
        *(
            "        - " + _TRUE_OR_ABSENT % ("s3-public-block", k)
            for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        ),
        "  - name: guardduty",
        "    resource: account",
        "    filters:",
        "      - not: [{type: guard-duty, Detector.Status: ENABLED, Detector.FindingPublishingFrequency: FIFTEEN_MINUTES}]",
        "",
    ]
)
PROWLER_CHECKS = {
    "ec2_ebs_default_encryption": "ebs-default-encryption",
    "iam_password_policy_minimum_length_14": "password-policy",
    "iam_password_policy_symbol": "password-policy",
    "iam_password_policy_number": "password-policy",
    "iam_password_policy_uppercase": "password-policy",
    "iam_password_policy_lowercase": "password-policy",
    "iam_password_policy_reuse_24": "password-policy",
    "iam_password_policy_expires_passwords_within_90_days_or_less": "password-policy",
    "s3_account_level_public_access_blocks": "s3-public-block",
    "guardduty_is_enabled": "guardduty",
}
SOC2CTL_CHECKS = {
    "iam-password-policy": "password-policy",
    "s3-account-public-access-block": "s3-public-block",
    "ebs-default-encryption": "ebs-default-encryption",
    "guardduty-org": "guardduty",
}
SITECUSTOMIZE = '''\
"""Benchmark shim: the s3control `<account>.` host prefix cannot resolve on a loopback endpoint."""
import re
from urllib.parse import urlsplit, urlunsplit

try:
    import botocore.handlers
except ImportError:
    botocore = None
_PREFIXED = re.compile(r"^\\d{12}\\.(127\\.\\d+\\.\\d+\\.\\d+|localhost)$")


def _strip(request, **_):
    parts = urlsplit(request.url)
    if _PREFIXED.match(parts.hostname or ""):
        request.url = urlunsplit(parts._replace(netloc=parts.netloc.split(".", 1)[1]))


if botocore is not None:
    botocore.handlers.BUILTIN_HANDLERS.append(("before-sign.s3-control", _strip))
'''

_SHIM: dict[str, Any] = {}
exec(compile(SITECUSTOMIZE, "sitecustomize", "exec"), _SHIM)  # the peers' host fix, for seeding too

Finding = tuple[str, str, str]  # (check, account, region or "-")

# Settings seeded into the first members, so that findings tell the tools apart: every check has compliant
# and non-compliant accounts (an organization where everything fails is matched by a tool that finds
# everything). Only settings every tool judges alike: soc2ctl also checks `AllowUsersToChangePassword`,
# `HardExpiry` (Prowler does not) and the S3 block's two `Block*` flags (Prowler checks the `Ignore` and
# `Restrict` flags only), and GuardDuty's finding frequency (Prowler: enabled only); none of these differ here.
_STRONG = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
}
_S3_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
MIXED_STATE: list[dict[str, Any]] = [
    {"password_policy": _STRONG},  # compliant
    {
        "password_policy": {**_STRONG, "MinimumPasswordLength": 20, "MaxPasswordAge": 30}
    },  # stricter: compliant
    {"password_policy": {**_STRONG, "MinimumPasswordLength": 8}},  # too short
    {"password_policy": {k: v for k, v in _STRONG.items() if k != "MaxPasswordAge"}},  # never expires
    {"public_access_block": dict.fromkeys(_S3_FLAGS, True)},  # compliant
    {"public_access_block": {**dict.fromkeys(_S3_FLAGS, False), "BlockPublicAcls": True}},  # partial
    {"ebs_encryption_regions": 1},  # on in the first region only
    {"guardduty": ["ENABLED", "ENABLED"]},  # in both regions, every 15 minutes
    {"guardduty": ["DISABLED"]},  # suspended in the first region, none in the second
]


def seed_mixed_state(endpoint: str, accounts: list[str], regions: list[str]) -> None:
    """MIXED_STATE into the first members, through their OrganizationAccountAccessRole."""
    import boto3

    sts = boto3.client("sts", endpoint_url=endpoint)
    for account, state in zip(accounts, MIXED_STATE, strict=False):
        role = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")
        creds = role["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        if "password_policy" in state:
            session.client("iam", endpoint_url=endpoint).update_account_password_policy(
                **state["password_policy"]
            )
        if "public_access_block" in state:
            s3control = session.client("s3control", endpoint_url=endpoint, region_name=regions[0])
            s3control.meta.events.register("before-sign.s3-control", _SHIM["_strip"])  # as the peers get it
            s3control.put_public_access_block(
                AccountId=account, PublicAccessBlockConfiguration=state["public_access_block"]
            )
        for region in regions[: state.get("ebs_encryption_regions", 0)]:
            session.client(
                "ec2", endpoint_url=endpoint, region_name=region
            ).enable_ebs_encryption_by_default()
        for region, detector in zip(regions, state.get("guardduty", []), strict=False):
            gd = session.client("guardduty", endpoint_url=endpoint, region_name=region)
            gd.create_detector(Enable=detector == "ENABLED", FindingPublishingFrequency="FIFTEEN_MINUTES")


def _finding(check: str, account: str, region: str | None) -> Finding:
    return (check, account, "-" if check in GLOBAL_CHECKS or not region else region)


def _env(endpoint: str, workdir: Path) -> dict[str, str]:
    shim = workdir / "peer-shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONPATH": str(shim),
    }


def _timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - start, done


def _children_cpu() -> float:
    """User + system CPU of every finished child process (and of the processes they waited for)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _row(tool: str, wall: float, ok: bool, found: set[Finding], note: str, **extra: Any) -> dict[str, Any]:
    return {"tool": tool, "wall_s": round(wall, 2), "ok": ok, "findings": len(found), **extra, "note": note}


def measured(run: Callable[..., tuple[dict[str, Any], set[Finding]]], *args: Any) -> tuple[dict, set]:
    """One tool's run, with the CPU its processes used and the machine's load when it started: on a shared
    machine a CPU-heavy tool suffers most from other processes, so each row says what it ran against."""
    load, cpu = os.getloadavg()[0], _children_cpu()
    row, found = run(*args)
    row["cpu_s"] = round(_children_cpu() - cpu, 2)
    row["load_1m_at_start"] = round(load, 1)
    return row, found


def compiled_like_installed() -> None:
    """soc2ctl's modules compiled to bytecode, as pip compiles a wheel's when it installs it (the peers run
    from wheels installed that way). The benchmark runs soc2ctl from the checkout, and where
    PYTHONDONTWRITEBYTECODE is set (this machine) Python would compile ~100 modules from source at every
    run: ~60 ms of CPU that no installed copy spends."""
    for package in ("soc2ctl", "remediations"):
        compileall.compile_dir(ROOT / package, quiet=1)


def run_soc2ctl(endpoint: str, workdir: Path, parallelism: int) -> tuple[dict[str, Any], set[Finding]]:
    compiled_like_installed()
    cmd = [sys.executable, "-m", "soc2ctl.cli.main", "plan", str(workdir / "pb.yml")]
    cmd += ["-i", str(workdir / "inv.yml"), "--format", "json", "-p", str(parallelism)]
    env = {**_env(endpoint, workdir), "SOC2CTL_HOME": str(workdir), "PYTHONPATH": ""}
    env["SOC2CTL_EVIDENCE"] = str(workdir / "soc2ctl-evidence")
    wall, done = _timed(cmd, env, ROOT)
    ok = done.returncode in (0, 2)
    tasks = json.loads(done.stdout)["tasks"] if ok else []
    found = {
        _finding(SOC2CTL_CHECKS[t["control"]], t["account_id"], t["region"])
        for t in tasks
        if t["action"] in ("create", "update", "detect")
    }
    row = _row(
        "soc2ctl", wall, ok and not any(t["action"] == "error" for t in tasks), found, "", threads=parallelism
    )
    row["tasks"] = len(tasks)
    if not ok:
        row["note"] = done.stderr[-300:]
    return row, found


def run_c7n_org(
    endpoint: str, workdir: Path, accounts: list[str], regions: list[str], c7n_org: str, workers: int
) -> tuple[dict[str, Any], set[Finding]]:
    config = {
        "accounts": [
            {"account_id": a, "name": a, "regions": regions, "role": f"arn:aws:iam::{a}:role/{ROLE}"}
            for a in accounts
        ]
    }
    (workdir / "c7n-accounts.json").write_text(json.dumps(config))
    (workdir / "c7n-policies.yml").write_text(C7N_POLICIES)
    out = workdir / "c7n-out"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [c7n_org, "run", "-c", str(workdir / "c7n-accounts.json"), "-u", str(workdir / "c7n-policies.yml")]
    # c7n caches what it described for 15 minutes, by default in ~/.cache/c7n-org (shared by every run on
    # the machine): a fresh cache per run, so no run is answered from an earlier one
    cmd += ["-s", str(out), "--cache-path", tempfile.mkdtemp(prefix="c7n-cache-", dir=workdir)]
    for region in regions:
        cmd += ["-r", region]
    env = {**_env(endpoint, workdir), "C7N_ORG_PARALLEL": str(workers)}
    wall, done = _timed(cmd, env, workdir)
    found: set[Finding] = set()
    runs = list(out.rglob("resources.json"))
    for path in runs:  # c7n-out/<account>/<region>/<policy>/resources.json
        policy, region, account = path.parent.name, path.parent.parent.name, path.parent.parent.parent.name
        if json.loads(path.read_text() or "[]"):
            found.add(_finding(policy, account, region))
    errors = done.stderr.count("Traceback") + done.stderr.count("ERROR")
    note = "" if done.returncode == 0 and not errors else done.stderr[-300:]
    row = _row("c7n-org", wall, done.returncode == 0, found, note, policy_runs=len(runs), processes=workers)
    return row, found


def run_prowler(
    endpoint: str, workdir: Path, accounts: list[str], regions: list[str], prowler: str, workers: int
) -> tuple[dict[str, Any], set[Finding]]:
    """Prowler scans one account per invocation (`--role`), so accounts run as parallel processes."""
    env = _env(endpoint, workdir)

    def one(account: str) -> subprocess.CompletedProcess[str]:
        cmd = [prowler, "aws", "--role", f"arn:aws:iam::{account}:role/{ROLE}", "--checks", *PROWLER_CHECKS]
        cmd += ["--region", *regions, "--output-directory", str(workdir / "prowler-out" / account)]
        cmd += ["--output-formats", "json-ocsf", "--ignore-exit-code-3", "--no-banner"]
        cmd += ["--scan-unused-services"]  # else no EBS/S3 verdict in an account without volumes/buckets
        return subprocess.run(cmd, env=env, cwd=workdir, capture_output=True, text=True, timeout=3600)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(one, accounts))
    wall = time.perf_counter() - start
    found = set(_prowler_findings(workdir / "prowler-out"))
    failed = [r for r in runs if r.returncode != 0]
    note = (failed[0].stderr or failed[0].stdout)[-300:] if failed else ""
    row = _row("prowler", wall, not failed, found, note, failed_accounts=len(failed), processes=workers)
    return row, found


def _prowler_findings(out: Path) -> Iterable[Finding]:
    for path in out.rglob("*.ocsf.json"):
        for item in json.loads(path.read_text() or "[]"):
            check = PROWLER_CHECKS.get(item.get("metadata", {}).get("event_code", ""))
            if check and item.get("status_code") == "FAIL":
                cloud = item.get("cloud", {})
                yield _finding(check, cloud.get("account", {}).get("uid", "?"), cloud.get("region"))


def compare(rows: list[dict[str, Any]], findings: list[set[Finding]]) -> None:
    """Each peer's findings against soc2ctl's: the same (check, account, region) set, or what differs."""
    base = findings[0]
    for row, found in zip(rows, findings, strict=True):
        row["same_findings_as_soc2ctl"] = found == base
        if found != base:
            row["only_here"] = sorted(found - base)[:5]
            row["missed"] = sorted(base - found)[:5]
