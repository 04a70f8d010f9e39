"""Fault injection at the botocore edge: throttling, latency, timeouts, as AWS produces them.

Handlers run on `before-call`, inside the client's `_make_api_call`, so soc2ctl's retry layer sees exactly
what it would see from AWS (a parsed error response or a botocore connection exception).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from botocore.exceptions import ConnectTimeoutError

from soc2ctl.aws.sessions import AwsSessions
from tests.helpers import aws_error


class Throttler:
    """Answers a fraction of all calls with a throttling error (seeded, thread-safe)."""

    def __init__(self, rate: float, seed: int = 7, code: str = "Throttling") -> None:
        self.rate = rate
        self.code = code
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.injected = 0

    def __call__(self, model: Any, **_: Any) -> Any:
        with self._lock:
            hit = self._random.random() < self.rate
            if hit:
                self.injected += 1
        if hit:
            return aws_error(self.code, "Rate exceeded", status=400)
        return None


def throttle(sessions: AwsSessions, rate: float = 0.2, seed: int = 7) -> Throttler:
    throttler = Throttler(rate, seed)
    sessions.register("before-call", throttler)
    return throttler


def add_latency(sessions: AwsSessions, seconds: float) -> None:
    sessions.register("before-call", lambda **_: time.sleep(seconds))


def time_out_assume_role(sessions: AwsSessions, account_id: str) -> list[str]:
    """Role assumption into one account never connects (a black-holed endpoint)."""
    seen: list[str] = []

    def handler(params: dict[str, Any], **_: Any) -> None:
        if f"::{account_id}:" in params["body"].get("RoleArn", ""):
            seen.append(account_id)
            raise ConnectTimeoutError(endpoint_url="https://sts.amazonaws.com")

    sessions.register("before-call.sts.AssumeRole", handler)
    return seen
