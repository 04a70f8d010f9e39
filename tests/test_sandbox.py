"""The sandbox organization, driven as a newcomer would: separate CLI processes, a real server in between.

Each start seeds a whole organization (a few seconds idle, more on a busy machine), so the lifecycle is one
test that checks every claim on the way; there is no time limit anywhere (a start waits while the server
makes progress), only the subprocess timeout that keeps a hung test from hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
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
        timeout=1800,
    )


def server_pids(home: Path) -> list[int]:
    """Live sandbox server processes of this home (zombies count as gone), from /proc."""
    wanted = str(home / "sandbox")
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"soc2ctl_sandbox.server" in argv and wanted.encode() in argv and state != "Z":
            found.append(int(proc.name))
    return found


def status_json(env: dict[str, str]) -> dict:
    status = soc2ctl("sandbox", "status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    return json.loads(status.stdout)


@pytest.fixture
def sandbox_env(soc2ctl_home: Path):
    env = {**os.environ, "SOC2CTL_HOME": str(soc2ctl_home)}
    yield env
    soc2ctl("sandbox", "down", env=env)
    assert server_pids(soc2ctl_home) == []


def test_plan_apply_plan_converges_across_invocations(sandbox_env, soc2ctl_home):
    pb, inv = "playbooks/soc2-baseline.yml", "inventories/sandbox.yml"
    saved = Path(sandbox_env["SOC2CTL_HOME"]) / "plan.json"
    first = soc2ctl(
        "plan", pb, "-i", inv, "--format", "json", "--detailed-exitcode", "--out", str(saved), env=sandbox_env
    )
    assert first.returncode == 2, first.stderr
    assert "Starting the sandbox organization" in first.stderr  # said once, not a progress bar (no tty)
    assert "warning: the management account" not in first.stderr  # the shipped inventory includes it
    doc = json.loads(first.stdout)
    assert {t["scope"] for t in management_tasks(doc)} == {"account", "region"}
    check_review(doc, saved, sandbox_env)
    assert doc["summary"]["accounts"] >= 12
    drifted_controls = {
        t["control"] for t in doc["tasks"] if t["action"] in ("create", "update", "delete", "detect")
    }
    assert {"iam-password-policy", "ebs-default-encryption", "guardduty-org"} <= drifted_controls
    assert not [t for t in doc["tasks"] if t["action"] == "error"], [
        t["error"] for t in doc["tasks"] if t["error"]
    ]

    state = status_json(sandbox_env)
    assert state["endpoint"].startswith("http://127.0.0.1:") and server_pids(soc2ctl_home) == [state["pid"]]

    applied = soc2ctl("apply", pb, "-i", inv, "--auto-approve", env=sandbox_env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "failed=0" in applied.stdout and "changed=" in applied.stdout
    assert "Starting the sandbox" not in applied.stderr  # the same server, not a new one

    second = soc2ctl("plan", pb, "-i", inv, "--format", "json", "--detailed-exitcode", env=sandbox_env)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr
    again = json.loads(second.stdout)
    left = [t for t in again["tasks"] if t["action"] not in ("no-op", "detect")]
    assert left == []
    # the management account passes the account and region controls, the settings Prowler checks among them
    mine = management_tasks(again)
    assert {"iam-password-policy", "ebs-default-encryption", "config-recorder"} <= {
        t["control"] for t in mine
    }
    assert {t["action"] for t in mine} <= {
        "no-op",
        "detect",
    }  # detect: a person's finding, no apply clears it
    named = {"iam-password-policy", "ebs-default-encryption", "config-recorder"}
    assert [t["key"] for t in mine if t["control"] in named and t["action"] != "no-op"] == []
    assert server_pids(soc2ctl_home) == [state["pid"]]


def management_tasks(doc: dict) -> list[dict]:
    from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT

    return [t for t in doc["tasks"] if t["account_id"] == MANAGEMENT_ACCOUNT and t["scope"] != "org"]


def check_review(doc: dict, saved: Path, env: dict[str, str]) -> None:
    """What a reviewer gets on the sandbox: accounts seeded compliant show no change, the SCP reaches every
    member account, and the Markdown fits a pull-request comment with every high-risk change in full."""
    from soc2ctl_sandbox.seed import LAYOUT

    compliant = {a.name for a in LAYOUT if a.posture == "compliant"}
    loud = [t["key"] for t in doc["tasks"] if t["account_name"] in compliant and t["action"] != "no-op"]
    assert loud == []
    scp = next(t for t in doc["tasks"] if t["control"] == "scp-guardrails")
    from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT

    members = {t["account_id"] for t in doc["tasks"] if t["account_id"] != MANAGEMENT_ACCOUNT}
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


def test_lifecycle_one_server_truthful_status_same_ids(sandbox_env, soc2ctl_home):
    not_running = soc2ctl("sandbox", "status", env=sandbox_env)
    assert not_running.returncode == 3 and "not running" in not_running.stdout

    with ThreadPoolExecutor(2) as pool:  # two commands start it at once: one server, both use it
        ups = list(pool.map(lambda _: soc2ctl("sandbox", "up", env=sandbox_env), range(2)))
    assert [u.returncode for u in ups] == [0, 0], [u.stderr for u in ups]
    assert all("12 member accounts" in u.stdout for u in ups)
    state = status_json(sandbox_env)
    assert server_pids(soc2ctl_home) == [state["pid"]]
    assert [status_json(sandbox_env)["pid"] for _ in range(3)] == [state["pid"]] * 3

    again = soc2ctl("sandbox", "up", env=sandbox_env)
    assert again.returncode == 0 and "Starting" not in again.stderr
    assert status_json(sandbox_env)["pid"] == state["pid"]

    down = soc2ctl("sandbox", "down", env=sandbox_env)
    assert down.stdout.strip() == "sandbox stopped"
    assert server_pids(soc2ctl_home) == []  # down returned after the process was gone
    assert soc2ctl("sandbox", "status", env=sandbox_env).returncode == 3
    assert soc2ctl("sandbox", "down", env=sandbox_env).stdout.strip() == "sandbox was not running"

    assert soc2ctl("sandbox", "up", env=sandbox_env).returncode == 0
    restarted = status_json(sandbox_env)
    assert restarted["pid"] != state["pid"] and restarted["accounts"] == state["accounts"]

    reset = soc2ctl("sandbox", "reset", env=sandbox_env)
    assert reset.returncode == 0, reset.stderr
    after_reset = status_json(sandbox_env)
    assert after_reset["pid"] != restarted["pid"] and after_reset["accounts"] == state["accounts"]
    assert server_pids(soc2ctl_home) == [after_reset["pid"]]
