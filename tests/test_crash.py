"""A process killed in the middle of `apply`: the next plan shows exactly the remaining changes, and every
change that reached AWS is in the evidence (write-ahead intent records, written before each write)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from tests.helpers import create_org

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOK = """\
name: crash
controls:
  - {id: ebs-default-encryption, remediation: ebs-default-encryption}
  - {id: iam-password-policy, remediation: iam-password-policy}
"""


@pytest.fixture
def slow_server(monkeypatch):
    """A moto server that answers every request 150 ms late, so the kill lands mid-apply."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    app_ = server._server.app

    def delayed(environ, start_response):
        time.sleep(0.15)
        return app_(environ, start_response)

    server._server.app = delayed
    endpoint = f"http://127.0.0.1:{port}"
    # moto's backends are per process: start from a clean state whatever ran before in this worker
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    yield endpoint
    server.stop()


def keys(records: list[dict]) -> set[str]:
    return {r["key"] for r in records}


def read_records(evidence: Path, folder: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(evidence.glob(f"runs/*/{folder}/*.json"))]


def test_kill_mid_apply_loses_nothing(slow_server, tmp_path):
    create_org(slow_server, [f"m{i}" for i in range(6)])
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text("organization: {discover: true}\nregions: [us-east-1, eu-west-1]\n")
    plan_args = ["plan", str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"), "--format", "json"]
    runner = CliRunner()
    before = json.loads(runner.invoke(app, plan_args).stdout)
    drifted = {t["key"] for t in before["tasks"] if t["action"] != "no-op"}
    assert len(drifted) == 6 * 3

    evidence = tmp_path / "evidence"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "soc2ctl.cli.main",
            "apply",
            str(tmp_path / "pb.yml"),
            "-i",
            str(tmp_path / "inv.yml"),
            "--auto-approve",
            "-p",
            "2",
            "--evidence",
            str(evidence),
        ],
        cwd=ROOT,
        env={**os.environ, "SOC2CTL_EVIDENCE": str(evidence)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while proc.poll() is None:  # no deadline: a loaded machine is slow, the apply ends on its own anyway
        done = [r for r in read_records(evidence, "tasks") if r["status"] == "changed"]
        if len(done) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    changed = keys(r for r in read_records(evidence, "tasks") if r["status"] == "changed")
    intended = keys(read_records(evidence, "intents"))
    after = json.loads(runner.invoke(app, plan_args).stdout)
    remaining = {t["key"] for t in after["tasks"] if t["action"] != "no-op"}
    applied = drifted - remaining
    assert changed, "the kill came too late to test anything"
    assert remaining, "the kill came too early or too late: nothing was left"
    assert changed <= applied  # a recorded change is really in AWS
    assert applied <= intended  # every change in AWS is in the evidence, at least as an intent
    assert remaining == drifted - applied
    assert all(t["action"] in ("no-op", "update", "create") for t in after["tasks"])

    # The record shows the dead run, with what it was about to change, until the next apply closes it.
    dead = runner.invoke(app, ["evidence", "verify", str(evidence)])
    assert dead.exit_code == 1
    assert "not sealed by any chain entry (the run died before it ended" in dead.output
    assert f"{len(intended)} intent record(s)" in dead.output
    again = runner.invoke(app, ["apply", *plan_args[1:4], "--auto-approve", "--evidence", str(evidence)])
    assert again.exit_code == 0, again.output
    healed = runner.invoke(app, ["evidence", "verify", str(evidence)])
    assert healed.exit_code == 0, healed.output
    assert "died unsealed" in healed.output and f"{len(intended)} intent record(s)" in healed.output
