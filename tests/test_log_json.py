"""`--log-format json`: every stderr line of a real run is one JSON object carrying the run id, with
credentials masked; errors and console notes are JSON too."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from soc2ctl import runlog
from soc2ctl.aws import log_redaction
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import create_org

PLAYBOOK = """\
name: json logs
controls:
  - {id: pw, remediation: iam-password-policy}
  - {id: ebs, remediation: ebs-default-encryption}
"""


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soc2ctl.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,  # a hang guard only
    )


def _env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SOC2CTL_LOG"))}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        SOC2CTL_HOME=str(tmp_path / "home"),
        SOC2CTL_EVIDENCE=str(tmp_path / "evidence"),
    )
    return env


def _parse_all(stderr: str) -> list[dict]:
    lines = stderr.splitlines()
    assert lines, "nothing on stderr"
    docs = [json.loads(line) for line in lines]  # every line parses, or the test fails here
    assert all(isinstance(d, dict) for d in docs)
    return docs


def test_every_stderr_line_of_a_plan_run_is_json_with_the_run_id(server, tmp_path):
    org = create_org(server.endpoint, ["alpha", "beta"])
    accounts = "".join(f'  "{i}": {{name: {n}}}\n' for n, i in org.items())
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(
        f'organization: {{discover: false, management_account: "{MANAGEMENT_ACCOUNT}"}}\n'
        f"regions: [us-east-1]\naccounts:\n{accounts}"
    )
    args = ["--log-format", "json", "-vv", "plan", "pb.yml", "-i", "inv.yml", "--format", "json"]
    done = _cli(args, _env(tmp_path, server.endpoint), tmp_path)
    assert done.returncode in (0, 2), done.stderr[-2000:]
    plan = json.loads(done.stdout)  # stdout stays the plan, untouched
    docs = _parse_all(done.stderr)
    assert len(docs) > 50  # -vv: botocore's debug lines, each one object
    assert {d["run_id"] for d in docs} == {plan["run_id"]}
    assert {"time", "level", "logger", "message"} <= set(docs[0])
    assert any(d["logger"].startswith("botocore") and d["level"] == "debug" for d in docs)
    # AssumeRole answers carry the member credentials: masked in every line
    texts = [d["message"] for d in docs]
    assert any("AssumeRole" in t for t in texts)
    assert not [t for t in texts if re.search(r"<SecretAccessKey>(?!\(sensitive\))", t)]
    assert not [t for t in texts if re.search(r"<SessionToken>(?!\(sensitive\))", t)]
    assert any("(sensitive)" in t for t in texts)


def test_errors_are_json_lines_too(tmp_path):
    (tmp_path / "pb.yml").write_text("name: bad\ncontrols:\n  - {id: x, remediation: nope}\n")
    env = _env(tmp_path, "http://127.0.0.1:9")
    env["SOC2CTL_LOG_FORMAT"] = "json"  # the environment variable works as the option does
    done = _cli(["validate", "pb.yml"], env, tmp_path)
    assert done.returncode == 1
    (doc,) = _parse_all(done.stderr)
    assert doc["level"] == "error"
    assert doc["message"].startswith("error: pb.yml:3: control 'x': unknown remediation 'nope'")
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", doc["run_id"])


def test_a_usage_error_is_one_json_error_record(tmp_path):
    """Not click's box drawn over five lines, each read as an `info` record by a log pipeline."""
    env = {**_env(tmp_path, "http://127.0.0.1:9"), "SOC2CTL_LOG_FORMAT": "json"}
    done = _cli(["plan", "--bogus"], env, tmp_path)
    assert done.returncode == 1
    (doc,) = _parse_all(done.stderr)
    assert doc["level"] == "error"
    assert "No such option: --bogus" in doc["message"] and "plan --help" in doc["message"]
    env.pop("SOC2CTL_LOG_FORMAT")  # text logs keep click's usage and hint for a human
    assert "Usage: " in _cli(["plan", "--bogus"], env, tmp_path).stderr


def test_line_writer_splits_joins_and_masks(monkeypatch):
    runlog.reset()
    runlog.start_run("run-1")
    out = io.StringIO()
    writer = runlog.JsonLineWriter(out)
    log_redaction.register("SuperSecretValue123456")
    writer.write("\x1b[31merror:\x1b[0m first ")
    writer.write('half\nwarning: key SuperSecretValue123456 leaked\n\n  \nnote: "quoted" {braces}')
    writer.flush()
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(d["level"], d["message"]) for d in docs] == [
        ("error", "error: first half"),
        ("warning", "warning: key (sensitive) leaked"),
        ("info", 'note: "quoted" {braces}'),
    ]
    assert {d["run_id"] for d in docs} == {"run-1"}
    runlog.reset()


def test_formatter_keeps_json_valid_whatever_the_record_holds():
    import logging

    runlog.reset()
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "BEGIN %s", ("-----BEGIN RSA PRIVATE KEY-----\nabc",), None
    )
    line = runlog.JsonFormatter().format(record)
    doc = json.loads(line)
    assert doc["message"] == "BEGIN (sensitive)" and doc["run_id"]
    assert runlog.start_run() == doc["run_id"]  # the reserved id is the run's
    runlog.reset()
