"""Start, stop and ask about the sandbox server of one directory: the interface soc2ctl uses.

Every answer comes from cheap, bounded checks: the server lock (held by a live server, dropped by the kernel
when it dies), the small state file, and a health request of a few bytes with a short timeout. Start-up has
no deadline: a command waits while the server process lives and its seeding moves on, shows that progress on
a terminal, and fails with the server's last log lines when the process dies or stops moving for STALL_S.
Standard library only, so `soc2ctl sandbox status` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from soc2ctl_sandbox.files import HEALTH_PATH, SandboxFiles, exclusive
from soc2ctl_sandbox.progress import StartProgress

HEALTH_TIMEOUT_S = 5.0  # per attempt; the answer is a few bytes from an idle thread
HEALTH_ATTEMPTS = 3
STALL_S = 300.0  # start-up fails only when the live server shows no progress for this long
TERM_GRACE_S = 60.0  # `down`: SIGTERM, then SIGKILL if the process is still there after this
POLL_S = 0.1
EXIT_POLLS = 100  # after the lock is released: a zombie nobody reaps, or the pid was reused


class SandboxError(Exception):
    """A sandbox failure the user can act on: the first line says what, the others show the server log."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0])
        self.lines = list(lines)


@dataclass
class Status:
    state: str  # running | starting | unresponsive | stopping | stopped
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def describe(self) -> str:
        if self.state == "starting":
            done, total = self.info.get("done"), self.info.get("total")
            seeding = f", seeding {done}/{total}" if total else ""
            return f"sandbox is starting (pid {self.info.get('pid', '?')}{seeding})"
        if self.state == "unresponsive":
            return (
                f"sandbox server (pid {self.info.get('pid')}) is alive but did not answer at "
                f"{self.info.get('endpoint')}; `soc2ctl sandbox down` stops it"
            )
        if self.state == "stopping":
            return f"sandbox server (pid {self.info.get('pid')}) is stopping"
        if self.state == "stopped":
            return "sandbox is not running (it starts on first use, or with: soc2ctl sandbox up)"
        return f"sandbox running at {self.info.get('endpoint')}"


class Sandbox:
    """The sandbox of one directory (soc2ctl passes `$SOC2CTL_HOME/sandbox`)."""

    def __init__(self, directory: Path, *, stream: TextIO | None = None) -> None:
        self.files = SandboxFiles(directory)
        self.stream = stream if stream is not None else sys.stderr

    # ---------------------------------------------------------------- questions

    def status(self) -> Status:
        state = self.files.read_state() or {}
        if not self.files.server_running():
            return Status("stopped", {})
        if state.get("phase") == "stopping":
            return Status("stopping", state)
        if state.get("phase") != "ready":
            return Status("starting", state)
        return Status("running" if healthy(state) else "unresponsive", state)

    # ---------------------------------------------------------------- changes

    def ensure_running(self) -> dict[str, Any]:
        """The running sandbox's state; starts it first if it is not running (what `plan` calls)."""
        current = self.status()
        return current.info if current.running else self.up()

    def up(self) -> dict[str, Any]:
        """Start and seed the sandbox unless it already runs; wait (no deadline) until it answers."""
        self.files.ensure()
        with self._control():
            return self._up_locked()

    def down(self) -> bool:
        """Stop the server and wait until its process is gone; False if none was running."""
        self.files.ensure()
        with self._control():
            return self._down_locked()

    def reset(self) -> dict[str, Any]:
        """A freshly seeded sandbox (same account ids): stop, then start."""
        self.files.ensure()
        with self._control():
            self._down_locked()
            return self._up_locked()

    # ---------------------------------------------------------------- internals

    def _control(self) -> Any:
        """The control lock; says so on the terminal when another command holds it."""
        try:
            with exclusive(self.files.control_lock, wait=False):
                pass
        except BlockingIOError:
            print(
                "waiting for another soc2ctl command that is starting or stopping the sandbox...",
                file=self.stream,
                flush=True,
            )
        return exclusive(self.files.control_lock)

    def _up_locked(self) -> dict[str, Any]:
        current = self.status()
        if current.running:
            return current.info
        if current.state == "stopped":
            self.files.state.unlink(missing_ok=True)  # left by a server that was killed
            return self._wait(self._spawn())
        return self._wait(None)  # a server from an interrupted command is still starting

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.files.log.open("ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting\n".encode())
            log.flush()
            return subprocess.Popen(
                [sys.executable, "-m", "soc2ctl_sandbox.server", "--dir", str(self.files.directory)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the terminal is for the command, not the server
                env=server_environment(),
            )

    def _wait(self, proc: subprocess.Popen[bytes] | None) -> dict[str, Any]:
        progress = StartProgress(self.stream)
        marker: tuple[Any, ...] = ()
        moved = time.monotonic()
        unanswered = 0
        try:
            while True:
                if not (proc.poll() is None if proc else self.files.server_running()):
                    code = f" (exit code {proc.returncode})" if proc else ""
                    raise self._failure(f"the sandbox server exited during start-up{code}")
                state = self.files.read_state() or {}
                if state.get("phase") == "ready":
                    if healthy(state):
                        progress.finish(state)
                        return state
                    unanswered += 1
                    if unanswered >= HEALTH_ATTEMPTS:
                        raise self._failure(f"the sandbox server does not answer at {state.get('endpoint')}")
                now = time.monotonic()
                if (state.get("phase"), state.get("done")) != marker:
                    marker, moved = (state.get("phase"), state.get("done")), now
                    progress.show(state)
                elif now - moved > STALL_S:
                    raise self._failure(f"the sandbox server made no progress for {STALL_S:.0f} s")
                time.sleep(POLL_S)
        except BaseException:
            progress.abandon()
            if proc is not None and proc.poll() is None:
                self._stop_process(proc.pid, proc)  # never leave a half-started server behind
                self.files.state.unlink(missing_ok=True)
            raise

    def _failure(self, what: str) -> SandboxError:
        tail = self.files.log_tail()
        lines = [f"{what}; log: {self.files.log}"]
        return SandboxError(*lines, *(f"  {line}" for line in tail))

    def _down_locked(self) -> bool:
        if not self.files.server_running():
            self.files.state.unlink(missing_ok=True)
            return False
        state = self.files.read_state() or {}
        while not state.get("pid") and self.files.server_running():  # locked, state not yet written
            time.sleep(POLL_S)
            state = self.files.read_state() or {}
        if state.get("pid"):
            self._stop_process(int(state["pid"]), None)
        self.files.state.unlink(missing_ok=True)
        return True

    def _stop_process(self, pid: int, proc: subprocess.Popen[bytes] | None) -> None:
        """SIGTERM; wait until the server lock is released (SIGKILL after TERM_GRACE_S), then until the pid is
        gone. SIGKILL goes only to a process that still holds the lock: never to a stranger that reused the pid.
        """
        _signal(pid, signal.SIGTERM)
        sent = time.monotonic()
        killed = False
        while proc.poll() is None if proc else self.files.server_running():
            if not killed and time.monotonic() - sent > TERM_GRACE_S:
                _signal(pid, signal.SIGKILL)
                killed = True
            time.sleep(POLL_S)
        for _ in range(EXIT_POLLS):  # lock released at exit; the pid goes once the parent reaps it
            if not _alive(pid, proc):
                return
            time.sleep(POLL_S)


def healthy(state: dict[str, Any]) -> bool:
    """The server at `endpoint` is the one that wrote `state` (same token) and it answers."""
    endpoint, token = state.get("endpoint"), state.get("token")
    if not endpoint or not token:
        return False
    for _ in range(HEALTH_ATTEMPTS):
        try:
            with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=HEALTH_TIMEOUT_S) as response:
                return json.loads(response.read(4096)).get("token") == token
        except (OSError, ValueError):
            continue
    return False


def server_environment() -> dict[str, str]:
    """The server seeds with fixed test credentials; nothing of the user's AWS set-up may leak in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in ("MOTO_ACCOUNT_ID", "MOTO_PORT")
    }
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",  # 3.6 MB per account and region otherwise
        }
    )
    return env


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _alive(pid: int, proc: subprocess.Popen[bytes] | None) -> bool:
    """Whether the process exists; a zombie counts as gone (a child of ours is reaped here)."""
    if proc is not None:
        return proc.poll() is None
    try:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
