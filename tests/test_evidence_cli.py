"""Evidence through the real CLI on a moto-server organization: plan → apply → drift injected by hand →
plan (standing in for the drift run of issue 7) → apply; then `evidence verify` and `evidence report`.
Also: a failing sink stops apply before the next change, and no credential reaches any evidence file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.evidence import sinks
from tests.helpers import create_org, member_client
from tests.test_evidence import secret_hits

PLAYBOOK = """\
name: evidence
hosts: all
controls:
  - {id: ebs-default-encryption, remediation: ebs-default-encryption, criteria: [CC6.1, CC6.7]}
  - {id: iam-password-policy, remediation: iam-password-policy, criteria: [CC6.1],
     desired: {minimum_password_length: 14}}
"""
INVENTORY = """\
organization: {discover: true, role_name: OrganizationAccountAccessRole}
regions: [us-east-1]
"""

runner = CliRunner()


@pytest.fixture
def orgfiles(server, tmp_path: Path) -> dict[str, object]:
    ids = create_org(server.endpoint, ["red", "blue"])
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return {
        "ids": ids,
        "pb": str(tmp_path / "pb.yml"),
        "inv": str(tmp_path / "inv.yml"),
        "ev": str(tmp_path / "ev"),
    }


def cli(*args: str, code: tuple[int, ...] = (0,)) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in code, result.output
    return result.output


def test_plan_apply_drift_apply_report(orgfiles, server, tmp_path):
    o = orgfiles
    ev, red = o["ev"], o["ids"]["red"]
    common = (o["pb"], "-i", o["inv"], "--evidence", ev)
    cli("plan", *common, code=(0, 2))
    cli("apply", *common, "--auto-approve", "--approval-ref", "CHG-100")
    member_client("ec2", red, endpoint=server.endpoint).disable_ebs_encryption_by_default()  # manual drift
    cli("plan", *common, code=(0, 2))  # stands in for the drift run
    out = cli("apply", *common, "--auto-approve", "--approval-ref", "CHG-200")
    assert "evidence: run" in out and "sealed as #4" in out

    verified = cli("evidence", "verify", ev)
    assert verified.startswith("ok: 4 run(s)")

    report = cli("evidence", "report", ev, "--since", "2000-01-01")
    drift = [line for line in report.splitlines() if line.startswith("| ebs-default-encryption | red")]
    assert len(drift) == 1, report
    cells = [c.strip() for c in drift[0].strip("|").split("|")]
    assert cells[2] == "us-east-1" and cells[5] != "**open**" and cells[3] <= cells[4] <= cells[5]
    assert cells[6].count(":") == 2  # the window: at most hh:mm:ss out of state
    changes = [line for line in report.splitlines() if "CHG-200" in line and "→" in line]
    assert (
        len(changes) == 1 and "ebs-default-encryption" in changes[0] and "enabled: False → True" in changes[0]
    )
    assert (
        sum("CHG-100" in line and "→" in line for line in report.splitlines()) == 4
    )  # 2 accounts × 2 controls fixed first
    assert "### CC6.7" in report and "↺ drifted, restored" in report

    html = tmp_path / "report.html"
    cli("evidence", "report", ev, "--since", "2000-01-01", "--format", "html", "-o", str(html))
    text = html.read_text()
    assert '<table id="matrix">' in text and "CHG-200" in text and 'class="s restored"' in text

    hits = secret_hits(Path(ev))
    assert hits == []
    run_json = next(Path(ev).glob("runs/*/run.json")).read_text()
    assert "arn:aws:" in run_json  # the caller ARN is evidence; its keys are not


def test_evidence_tampering_via_cli(orgfiles):
    o = orgfiles
    cli("plan", o["pb"], "-i", o["inv"], "--evidence", o["ev"], code=(0, 2))
    # a plan's records are batched, one JSON record per line: forge one line of a batch
    batch = next(Path(o["ev"]).glob("runs/*/tasks/*.jsonl"))
    lines = batch.read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if json.loads(line).get("action") == "update")
    lines[n] = json.dumps(json.loads(lines[n]) | {"action": "no-op"})  # now says nothing changed
    batch.chmod(0o644)
    batch.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["evidence", "verify", o["ev"]])
    assert result.exit_code == 1
    assert batch.relative_to(o["ev"]).as_posix() in result.output


def test_sink_failure_stops_apply_before_the_next_change(server, tmp_path, monkeypatch):
    ids = create_org(server.endpoint, ["a", "b", "c", "d", "e"])
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    o = {
        "ids": ids,
        "pb": str(tmp_path / "pb.yml"),
        "inv": str(tmp_path / "inv.yml"),
        "ev": str(tmp_path / "ev"),
    }
    original = sinks.LocalSink.put

    def flaky(self, key, data):
        if "/tasks/" in key:
            raise sinks.SinkError("disk full")
        original(self, key, data)

    monkeypatch.setattr(sinks.LocalSink, "put", flaky)
    result = runner.invoke(
        app,
        [
            "apply",
            o["pb"],
            "-i",
            o["inv"],
            "--evidence",
            o["ev"],
            "--auto-approve",
            "-p",
            "1",
            "--controls",
            "ebs-default-encryption",
        ],
    )
    assert result.exit_code == 1
    assert "evidence could not be written" in result.output and "apply stopped" in result.output
    encrypted = [
        member_client("ec2", acct, endpoint=server.endpoint).get_ebs_encryption_by_default()[
            "EbsEncryptionByDefault"
        ]
        for acct in o["ids"].values()
    ]
    # the first change's record failed: at most the task already in flight finished, none started after
    assert encrypted.count(True) <= 2 and encrypted.count(False) >= 3, encrypted
    assert "task(s) without a record: ebs-default-encryption/" in result.output
    assert "the run is not sealed" not in result.output  # run.json, summary and seal still made it
    summary = json.loads(next(Path(o["ev"]).glob("runs/*/summary.json")).read_text())
    assert summary["stopped"].startswith("evidence sink failed: disk full")
    assert summary["statuses"] == {} and len(summary["unrecorded_tasks"]) == 5


def test_s3_evidence_from_the_cli(orgfiles, server):
    o = orgfiles
    s3 = member_client("s3", "123456789012", endpoint=server.endpoint)
    s3.create_bucket(Bucket="soc2-evidence", ObjectLockEnabledForBucket=True)
    s3.create_bucket(Bucket="no-lock")
    refused = runner.invoke(app, ["plan", o["pb"], "-i", o["inv"], "--evidence", "s3://no-lock/ev"])
    assert refused.exit_code == 1 and "Object Lock is not enabled" in refused.output
    cli(
        "plan",
        o["pb"],
        "-i",
        o["inv"],
        "--evidence",
        "s3://soc2-evidence/ev",
        "--evidence-retention-days",
        "7",
        code=(0, 2),
    )
    keys = [k["Key"] for k in s3.list_objects_v2(Bucket="soc2-evidence")["Contents"]]
    assert "ev/chain/00000001.json" in keys and len(keys) == 2 + 1 + 1  # run, summary, seal, a batch:
    (batch,) = [k for k in keys if "/tasks/" in k]  # the plan's 4 task records, one object
    assert batch.endswith("/tasks/000001-000004.jsonl")
    head = s3.head_object(Bucket="soc2-evidence", Key="ev/chain/00000001.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert cli("evidence", "verify", "s3://soc2-evidence/ev").startswith("ok: 1 run(s)")


@pytest.mark.skipif(
    not shutil.which("chromium") and not Path("/usr/bin/chromium").exists(), reason="no chromium"
)
def test_html_report_renders_in_headless_chromium(orgfiles, tmp_path):
    o = orgfiles
    cli("plan", o["pb"], "-i", o["inv"], "--evidence", o["ev"], code=(0, 2))
    html = tmp_path / "report.html"
    cli("evidence", "report", o["ev"], "--since", "2000-01-01", "--format", "html", "-o", str(html))
    png = tmp_path / "report.png"
    subprocess.run(
        [
            shutil.which("chromium") or "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={png}",
            "--window-size=1400,900",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert png.stat().st_size > 10_000
