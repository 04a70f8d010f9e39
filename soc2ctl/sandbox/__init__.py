"""The built-in sandbox organization: a moto server in a background process that outlives each command.

`plan` -> `apply` -> `plan` must converge across separate invocations, so the simulated AWS must persist
between them: a detached local moto server, seeded once with an organization, whose address is kept in a
state file. `soc2ctl sandbox up|down|status|reset` manage it; an inventory with `sandbox: true` starts it
on first use.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from soc2ctl.errors import UserError

STARTUP_TIMEOUT_S = (
    600  # seeding 13 accounts takes ~30 s idle, minutes on a loaded machine; a dead server fails at once
)


def home() -> Path:
    return Path(os.environ.get("SOC2CTL_HOME") or Path.home() / ".soc2ctl")


def state_file() -> Path:
    return home() / "sandbox.json"


def read_state() -> dict[str, Any] | None:
    try:
        return json.loads(state_file().read_text())
    except (OSError, ValueError):
        return None


def _alive(state: dict[str, Any]) -> bool:
    try:
        os.kill(state["pid"], 0)
    except (OSError, KeyError):
        return False
    # A TCP connect, not /moto-api/data.json: that dumps the whole seeded state (~80 MB, seconds on a busy
    # machine), and a slow answer must not read as "not running" and start a second sandbox.
    try:
        with socket.create_connection(("127.0.0.1", int(state["port"])), timeout=5):
            return True
    except (OSError, KeyError, ValueError):
        return False


def status() -> dict[str, Any] | None:
    state = read_state()
    return state if state and _alive(state) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up(port: int | None = None) -> dict[str, Any]:
    """Start and seed the sandbox unless it is already running; return its state."""
    running = status()
    if running:
        return running
    try:
        import moto  # noqa: F401
    except ImportError:
        raise UserError("the sandbox needs moto: pip install 'soc2ctl[sandbox]'") from None
    home().mkdir(parents=True, exist_ok=True)
    state_file().unlink(missing_ok=True)
    port = port or _free_port()
    log = (home() / "sandbox.log").open("ab")
    env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    env.pop("MOTO_ACCOUNT_ID", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "soc2ctl.sandbox.server",
            "--port",
            str(port),
            "--state-file",
            str(state_file()),
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        state = read_state()
        if state and state.get("ready"):
            return state
        if proc.poll() is not None:
            raise UserError(f"the sandbox server exited during start-up; see {home() / 'sandbox.log'}")
        time.sleep(0.2)
    proc.kill()
    raise UserError(f"the sandbox did not start within {STARTUP_TIMEOUT_S}s; see {home() / 'sandbox.log'}")


def ensure_running() -> dict[str, Any]:
    state = status()
    if state:
        return state
    print("Starting the sandbox organization (a local moto server)...", file=sys.stderr)
    return up()


def down() -> bool:
    state = read_state()
    state_file().unlink(missing_ok=True)
    if not state:
        return False
    try:
        os.kill(state["pid"], signal.SIGTERM)
    except OSError:
        return False
    return True
