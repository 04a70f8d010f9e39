"""The sandbox organization, driven as a newcomer would: separate CLI processes, state kept in between."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def soc2ctl(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soc2ctl.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def sandbox_env(soc2ctl_home: Path):
    env = {**os.environ, "SOC2CTL_HOME": str(soc2ctl_home)}
    yield env
    soc2ctl("sandbox", "down", env=env)


def test_plan_apply_plan_converges_across_invocations(sandbox_env):
    pb, inv = "playbooks/soc2-baseline.yml", "inventories/sandbox.yml"
    saved = Path(sandbox_env["SOC2CTL_HOME"]) / "plan.json"
    first = soc2ctl(
        "plan", pb, "-i", inv, "--format", "json", "--detailed-exitcode", "--out", str(saved), env=sandbox_env
    )
    assert first.returncode == 2, first.stderr
    doc = json.loads(first.stdout)
    check_review(doc, saved, sandbox_env)
    assert doc["summary"]["accounts"] >= 12
    drifted_controls = {
        t["control"] for t in doc["tasks"] if t["action"] in ("create", "update", "delete", "detect")
    }
    assert {"iam-password-policy", "ebs-default-encryption", "guardduty-org"} <= drifted_controls
    assert not [t for t in doc["tasks"] if t["action"] == "error"], [
        t["error"] for t in doc["tasks"] if t["error"]
    ]

    status = soc2ctl("sandbox", "status", env=sandbox_env)
    assert status.returncode == 0 and json.loads(status.stdout)["endpoint"].startswith("http://127.0.0.1:")

    applied = soc2ctl("apply", pb, "-i", inv, "--auto-approve", env=sandbox_env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "failed=0" in applied.stdout and "changed=" in applied.stdout

    second = soc2ctl("plan", pb, "-i", inv, "--format", "json", "--detailed-exitcode", env=sandbox_env)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr
    left = [t for t in json.loads(second.stdout)["tasks"] if t["action"] not in ("no-op", "detect")]
    assert left == []


def check_review(doc: dict, saved: Path, env: dict[str, str]) -> None:
    """What a reviewer gets on the sandbox: accounts seeded compliant show no change, the SCP reaches every
    member account, and the Markdown fits a pull-request comment with every high-risk change in full."""
    from soc2ctl.sandbox.seed import LAYOUT

    compliant = {a.name for a in LAYOUT if a.posture == "compliant"}
    loud = [t["key"] for t in doc["tasks"] if t["account_name"] in compliant and t["action"] != "no-op"]
    assert loud == []
    scp = next(t for t in doc["tasks"] if t["control"] == "scp-guardrails")
    members = {t["account_id"] for t in doc["tasks"] if t["account_name"] != "management"}
    assert set(scp["affected_accounts"]) == members and len(members) == len(LAYOUT)
    shown = soc2ctl("show", str(saved), "--format", "markdown", env=env)
    assert shown.returncode == 0, shown.stderr
    markdown = shown.stdout
    assert len(markdown) <= 65_000
    summary = markdown[: markdown.index("### By risk")]
    high = [t for t in doc["tasks"] if t["risk"] == "high" and t["action"] in ("create", "update", "delete")]
    assert high
    for task in high:
        assert task["account_id"] in summary, task["key"]
        for change in task["changes"]:
            generic = change["path"].replace(task["account_id"], "<account>")
            if task["region"]:
                generic = generic.replace(f":{task['region']}:", ":<region>:")
            assert change["path"] in summary or generic in summary, (task["key"], change["path"])


def test_sandbox_down_stops_it(sandbox_env):
    up = soc2ctl("sandbox", "up", env=sandbox_env)
    assert up.returncode == 0 and "12 member accounts" in up.stdout
    assert soc2ctl("sandbox", "down", env=sandbox_env).stdout.strip() == "sandbox stopped"
    assert soc2ctl("sandbox", "status", env=sandbox_env).returncode == 3
