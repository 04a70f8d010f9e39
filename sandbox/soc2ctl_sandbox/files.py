"""The sandbox's files in its directory, and the two locks that keep one sandbox per directory.

- `server.lock`: held (flock) by the server process for its whole life. The kernel drops it when the process
  dies however it dies, so "is the lock held?" is the truthful answer to "is a server running here?".
- `control.lock`: held by a command while it starts or stops the server, so two commands never both start one.
- `state.json`: pid, port, endpoint, instance token, phase and seeding progress, the organization's ids;
  written by the server (atomically: write a temporary file, rename), read by every command.
- `org.json`: the account ids of the first seeding, kept across `down` so a restarted sandbox has the same ids.
- `server.log`: the server's stdout and stderr, shown when it fails.

Standard library only: every soc2ctl command that touches the sandbox imports this, so it must stay cheap.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

HEALTH_PATH = "/_soc2ctl_sandbox/health"


class SandboxFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.state = directory / "state.json"
        self.org = directory / "org.json"
        self.log = directory / "server.log"
        self.server_lock = directory / "server.lock"
        self.control_lock = directory / "control.lock"

    def ensure(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def read_state(self) -> dict[str, Any] | None:
        return _read_json(self.state)

    def write_state(self, state: dict[str, Any]) -> None:
        _write_json(self.state, state)

    def read_org(self) -> dict[str, Any] | None:
        return _read_json(self.org)

    def write_org(self, org: dict[str, Any]) -> None:
        _write_json(self.org, org)

    def server_running(self) -> bool:
        """True while a server process holds `server.lock` (probe: try to take it without waiting)."""
        if not self.server_lock.exists():
            return False
        with self.server_lock.open("ab") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def log_tail(self, lines: int = 20) -> list[str]:
        """The last lines of the server log (read from the end: the log can grow over many starts)."""
        try:
            with self.log.open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - 16384))
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()][-lines:]


@contextlib.contextmanager
def exclusive(path: Path, *, wait: bool = True) -> Iterator[BinaryIO]:
    """Hold an exclusive flock on `path`; with wait=False raise BlockingIOError if another process has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)
