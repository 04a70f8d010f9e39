"""Fault injection at the botocore edge: throttling, latency, timeouts, as AWS produces them.

Handlers run on `before-call`, inside the client's `_make_api_call`, so soc2ctl's retry layer sees exactly
what it would see from AWS (a parsed error response or a botocore connection exception).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

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


READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Check", "Simulate")


class LostResponses:
    """A fraction of write calls reach AWS and take effect, but their response never arrives: the client
    sees a read timeout after the change was made (seeded, thread-safe). What a create must survive."""

    def __init__(self, rate: float, seed: int = 11, first: tuple[str, ...] = ("Create",)) -> None:
        self.rate = rate
        self.first = first  # operations whose first call is always lost (coverage, not luck)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self.lost: list[str] = []

    def __call__(self, model: Any, http_response: Any = None, **_: Any) -> None:
        if model.name.startswith(READ_PREFIXES) or model.name in ("AssumeRole", "GetCallerIdentity"):
            return
        with self._lock:
            first = model.name.startswith(self.first) and model.name not in self._seen
            self._seen.add(model.name)
            hit = first or self._random.random() < self.rate
            if hit:
                self.lost.append(model.name)
        if hit:
            raise ReadTimeoutError(
                endpoint_url=f"https://{model.service_model.endpoint_prefix}.amazonaws.com"
            )


def lose_write_responses(sessions: AwsSessions, rate: float = 0.3, seed: int = 11) -> LostResponses:
    lost = LostResponses(rate, seed)
    sessions.register("after-call", lost)
    return lost
