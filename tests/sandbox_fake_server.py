"""A stand-in for the sandbox server process, to drive the start/stop logic through cases a real server
rarely shows (a crash, a hang, a slow start) in a fraction of a second, without moto.

It follows the real server's protocol (soc2ctl_sandbox/server.py): hold server.lock for life, write state.json,
answer the health endpoint once `ready`. Usage: python sandbox_fake_server.py DIR MODE [STEPS]
MODE: crash | hang | slow (STEPS progress steps 0.2 s apart, then ready).
"""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import sys
import time
from pathlib import Path

from soc2ctl_sandbox.files import HEALTH_PATH, SandboxFiles


def main() -> None:
    files = SandboxFiles(Path(sys.argv[1]))
    mode = sys.argv[2]
    if mode == "crash":
        print("seeding failed: boom [details]", flush=True)
        sys.exit(2)
    fd = os.open(files.server_lock, os.O_WRONLY | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    state = {"pid": os.getpid(), "token": "fake-token", "phase": "starting"}
    files.write_state(state)
    if mode == "hang":
        time.sleep(3600)
    steps = int(sys.argv[3])
    for done in range(steps):
        files.write_state({**state, "phase": "seeding", "done": done, "total": steps, "step": f"s{done}"})
        time.sleep(0.2)
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Health)
    port = httpd.server_address[1]
    org = {"management_account": "123456789012", "accounts": {"a": "1" * 12}, "regions": ["us-east-1"]}
    files.write_state(
        {**state, **org, "phase": "ready", "port": port, "endpoint": f"http://127.0.0.1:{port}"}
    )
    httpd.serve_forever()


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"pid": os.getpid(), "token": "fake-token"}).encode()
        self.send_response(200 if self.path == HEALTH_PATH else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    main()
