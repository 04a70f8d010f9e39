"""Requests sent for one throttled AWS call, per retry setting: the one retry layer, measured on the wire.

Every request soc2ctl's sessions would send is answered `Throttling` by a `before-send` hook (no network,
no moto: the hook sees each request botocore would put on the wire, its own retries included), and the
script prints how many requests one `GetCallerIdentity` made, and how long it took, for the default
settings and for `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` values. Waits are the real ones (jittered
exponential backoff), so the seconds show the time bound too.

    python benchmarks/retry_attempts.py
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from botocore.awsrequest import AWSResponse  # noqa: E402

from soc2ctl.aws.sessions import AwsSessions  # noqa: E402

THROTTLED = (
    b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"
)
SETTINGS = [
    {},
    {"AWS_MAX_ATTEMPTS": "2"},
    {"AWS_RETRY_MODE": "standard"},
    {"AWS_RETRY_MODE": "legacy"},
    {"AWS_MAX_ATTEMPTS": "8", "AWS_RETRY_MODE": "adaptive"},
]


class _Body:
    def stream(self, **_: object):
        yield b""


def requests_for_one_call(env: dict[str, str]) -> tuple[int, float]:
    for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        os.environ.pop(name, None)
    os.environ.update(env)
    sessions = AwsSessions(
        run_id="bench",
        endpoint_url="http://127.0.0.1:9",
        credentials={"access_key": "testing", "secret_key": "testing"},
    )
    sent: list[str] = []

    def throttle(request, **_):
        sent.append(request.url)
        response = AWSResponse(request.url, 400, {}, _Body())
        response._content = THROTTLED
        return response

    sessions.register("before-send", throttle)
    started = time.monotonic()
    with contextlib.suppress(Exception):
        sessions.caller_identity()
    return len(sent), time.monotonic() - started


def main() -> None:
    os.environ.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    print(f"{'setting':45} {'requests':>8} {'seconds':>8}")
    for env in SETTINGS:
        count, seconds = requests_for_one_call(env)
        label = " ".join(f"{k}={v}" for k, v in env.items()) or "(defaults)"
        print(f"{label:45} {count:>8} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
