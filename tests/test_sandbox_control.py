"""Starting, stopping and asking about the sandbox: the control logic against a fake server process.

The fake (tests/sandbox_fake_server.py) speaks the real server's protocol, so these tests cover what a real
server only does on a bad day (crash, hang, slow start, a stale state file) in well under a second each.
The real server is exercised end to end in tests/test_sandbox.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl_sandbox import Sandbox, SandboxError, control
from soc2ctl_sandbox.progress import StartProgress

FAKE = Path(__file__).with_name("sandbox_fake_server.py")


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def fake(monkeypatch):
    """Make Sandbox start the fake server in `mode` (a list, so a test can change it between starts)."""
    mode = ["slow", "3"]
    started: list[subprocess.Popen] = []

    def spawn(self):
        with self.files.log.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, str(FAKE), str(self.files.directory), *mode],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(proc)
        return proc

    monkeypatch.setattr(Sandbox, "_spawn", spawn)
    yield mode, started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def box(home: Path) -> Sandbox:
    return Sandbox(home / "sandbox", stream=io.StringIO())


def test_a_slow_start_is_waited_for_as_long_as_it_progresses(fake, soc2ctl_home, monkeypatch):
    mode, started = fake
    # 6 s of seeding steps 0.2 s apart: twice the stall limit below, which is generous enough that a loaded
    # machine starting the fake server (or waking it late) does not look like a stall
    mode[:] = ["slow", "30"]
    monkeypatch.setattr(control, "STALL_S", 3.0)
    sandbox = box(soc2ctl_home)
    state = sandbox.up()
    assert state["phase"] == "ready" and state["pid"] == started[0].pid
    assert sandbox.status().running
    assert sandbox.up()["pid"] == state["pid"] and len(started) == 1  # running: not started twice
    assert sandbox.down() is True
    assert gone(state["pid"]) and not sandbox.status().running and sandbox.files.read_state() is None


def test_a_crash_during_start_fails_with_the_servers_last_log_lines(fake, soc2ctl_home):
    fake[0][:] = ["crash"]
    with pytest.raises(SandboxError) as failed:
        box(soc2ctl_home).up()
    assert "exited during start-up (exit code 2)" in failed.value.lines[0]
    assert any("seeding failed: boom [details]" in line for line in failed.value.lines[1:])


def test_the_cli_reports_a_failed_start_in_lines_without_a_traceback(fake, soc2ctl_home):
    fake[0][:] = ["crash"]
    result = CliRunner().invoke(app, ["sandbox", "up"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors[0].startswith("error: the sandbox server exited during start-up")
    assert "error:   seeding failed: boom [details]" in errors  # markup-like text printed as is
    assert "Traceback" not in result.output


def test_a_hung_start_fails_and_leaves_no_process(fake, soc2ctl_home, monkeypatch):
    fake[0][:] = ["hang"]
    monkeypatch.setattr(control, "STALL_S", 0.5)
    with pytest.raises(SandboxError, match="made no progress"):
        box(soc2ctl_home).up()
    assert gone(fake[1][0].pid)
    assert box(soc2ctl_home).status().state == "stopped"


def test_status_tells_starting_unresponsive_and_stale_apart(fake, soc2ctl_home, monkeypatch):
    sandbox = box(soc2ctl_home)
    sandbox.files.ensure()
    sandbox.files.write_state(
        {"pid": 999999, "phase": "ready", "endpoint": "http://127.0.0.1:9", "token": "x"}
    )
    assert sandbox.status().state == "stopped"  # no live server holds the lock: the file is stale
    assert sandbox.down() is False and sandbox.files.read_state() is None

    hung = subprocess.Popen([sys.executable, str(FAKE), str(sandbox.files.directory), "hang"])
    try:
        while (sandbox.files.read_state() or {}).get("pid") != hung.pid:
            assert hung.poll() is None
        starting = sandbox.status()
        assert starting.state == "starting" and f"pid {hung.pid}" in starting.describe()
        cli = CliRunner().invoke(app, ["sandbox", "status"])
        assert cli.exit_code == 4 and "starting" in cli.output

        state = sandbox.files.read_state()
        monkeypatch.setattr(control, "HEALTH_TIMEOUT_S", 0.5)
        sandbox.files.write_state({**state, "phase": "ready", "endpoint": "http://127.0.0.1:9"})
        assert sandbox.status().state == "unresponsive"  # alive, but nobody answers there

        assert sandbox.down() is True  # stops it all the same, and waits for it
        assert gone(hung.pid) and sandbox.status().state == "stopped"
    finally:
        if hung.poll() is None:
            hung.kill()


def test_status_json_and_exit_codes_from_the_cli(fake, soc2ctl_home):
    runner = CliRunner()
    assert runner.invoke(app, ["sandbox", "status"]).exit_code == 3
    up = runner.invoke(app, ["sandbox", "up"])
    assert up.exit_code == 0 and "sandbox running at http://127.0.0.1:" in up.output
    assert "1 member accounts" in up.output
    status = runner.invoke(app, ["sandbox", "status"])
    assert status.exit_code == 0 and json.loads(status.output)["status"] == "running"
    assert runner.invoke(app, ["sandbox", "down"]).output.strip() == "sandbox stopped"


def test_progress_on_a_terminal_rewrites_one_line():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    progress = StartProgress(out)
    progress.show({"phase": "starting"})
    progress.show({"phase": "seeding", "done": 3, "total": 13, "step": "web-prod"})
    progress.finish({"phase": "ready", "seed_seconds": 2.5, "endpoint": "http://127.0.0.1:1"})
    text = out.getvalue()
    assert text.count("\r\x1b[K") == 3 and "seeding web-prod (3/13 accounts)" in text
    assert text.endswith("at http://127.0.0.1:1\n")


def test_progress_elsewhere_is_one_line_at_start_and_one_at_the_end():
    out = io.StringIO()
    progress = StartProgress(out)
    for done in range(5):
        progress.show({"phase": "seeding", "done": done, "total": 13, "step": "x"})
    progress.finish({"seed_seconds": 1, "endpoint": "http://e"})
    assert "\x1b" not in out.getvalue() and len(out.getvalue().splitlines()) == 2


def test_the_server_gets_none_of_the_users_aws_settings(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "prod-admin")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.com")
    env = control.server_environment()
    assert "AWS_PROFILE" not in env and "AWS_ENDPOINT_URL" not in env
    assert env["AWS_CONFIG_FILE"] == os.devnull and env["MOTO_EC2_LOAD_DEFAULT_AMIS"] == "false"
