"""The sandbox server process: take the directory's server lock, seed moto in-process, then serve HTTP.

Order matters. The lock comes first, so a second server for the same directory stops before it costs
anything. Seeding happens before the port opens (in-process, reporting progress into state.json), so no
client ever sees a half-seeded organization. The state file says `ready` only once the socket listens, and
the health endpoint answers with this process's pid and a per-start token, so a command can tell this server
from whatever else might later sit on the same port.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from soc2ctl_sandbox.files import HEALTH_PATH, SandboxFiles

LOCK_ATTEMPTS = 50  # x 0.1 s: only a status probe (microseconds) can hold the lock briefly
PROGRESS_EVERY_S = 0.2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="soc2ctl_sandbox.server")
    parser.add_argument("--dir", type=Path, required=True, help="The sandbox directory (under SOC2CTL_HOME).")
    args = parser.parse_args(argv)
    files = SandboxFiles(args.dir)
    files.ensure()
    _take_server_lock(files)
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
    state: dict[str, Any] = {"pid": os.getpid(), "token": secrets.token_hex(8), "phase": "starting"}
    state["started_at"] = time.time()
    files.write_state(state)
    try:
        _run(files, state)
    except SystemExit:
        print(f"stopping (pid {os.getpid()})", flush=True)
    finally:  # the command that stopped us removes the file once this process is gone
        files.write_state({**state, "phase": "stopping"})
    # Nothing is left to flush: skip the interpreter's teardown of moto's whole state (seconds on a busy
    # machine), so `down` returns as soon as the server stops. A crash above still exits with its traceback.
    os._exit(0)


def _run(files: SandboxFiles, state: dict[str, Any]) -> None:
    from soc2ctl_sandbox import moto_ext
    from soc2ctl_sandbox.seed import seed_in_process

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log: the log is for errors
    moto_ext.apply()
    previous = (files.read_org() or {}).get("accounts")
    org = seed_in_process(previous, _progress_writer(files, state))
    if org["accounts"] != previous:
        files.write_org({"accounts": org["accounts"]})
    httpd = _http_server(state["token"])
    port = httpd.server_port
    os.environ["MOTO_PORT"] = str(port)  # moto builds some URLs (queues, presigned) from it
    state.update(org, phase="ready", port=port, endpoint=f"http://127.0.0.1:{port}", ready_at=time.time())
    files.write_state(state)
    print(f"sandbox ready on port {port} after seeding in {org['seed_seconds']} s", flush=True)
    httpd.serve_forever()


def _take_server_lock(files: SandboxFiles) -> None:
    """Lock `server.lock` for the life of the process: a raw descriptor, never closed, so the kernel drops the
    lock only when the process exits (a released lock means this server is gone)."""
    import fcntl

    fd = os.open(files.server_lock, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for _ in range(LOCK_ATTEMPTS):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.1)
    print(f"another sandbox server holds {files.server_lock}; not starting a second one", flush=True)
    sys.exit(3)


def _progress_writer(files: SandboxFiles, state: dict[str, Any]) -> Callable[[int, int, str], None]:
    """Seeding progress into state.json, at most every PROGRESS_EVERY_S (and always the last step)."""
    last = [0.0]

    def report(done: int, total: int, step: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        state.update(phase="seeding", done=done, total=total, step=step)
        files.write_state(state)

    return report


def _http_server(token: str) -> Any:
    """moto's WSGI application behind a tiny health endpoint, on a free port of the loopback interface."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    moto_app = DomainDispatcherApplication(create_backend_app)
    health = json.dumps({"pid": os.getpid(), "token": token}).encode()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(health)))]
            )
            return [health]
        return moto_app(environ, start_response)

    return make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)


def _exit(signum: int, _frame: Any) -> None:
    """SIGTERM/SIGINT: leave serve_forever (or seeding) through the normal exit path, which tidies up."""
    raise SystemExit(0)


if __name__ == "__main__":
    main()
