"""Retries around every AWS call: throttling, 5xx and connection errors, with exponential backoff and jitter.

Why tenacity on top of botocore's own retries: botocore's standard mode retries a few times quickly and
keeps a client-side retry quota; an organization-wide run needs a longer, time-bounded patience for
throttling (AWS throttles per account and API, and thousands of accounts share nothing but the caller),
while failing at once on what retrying cannot fix (AccessDenied, validation errors, missing resources).
The wrapper sits on each client's `_make_api_call`, so paginators and waiters are covered too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

log = logging.getLogger(__name__)

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "ConcurrentModificationException",
        "PriorRequestNotComplete",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalServerError",
        "InternalServerException",
    }
)
CONNECTION_ERRORS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, CONNECTION_ERRORS):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in THROTTLING_CODES or code in TRANSIENT_CODES or status >= 500
    return False


class RetryPolicy:
    """Bounded in attempts and in time, so a run never hangs on a throttled account."""

    def __init__(
        self, attempts: int = 8, max_seconds: float = 120.0, base_wait: float = 0.25, max_wait: float = 20.0
    ) -> None:
        self.attempts = attempts
        self.max_seconds = max_seconds
        self.base_wait = base_wait
        self.max_wait = max_wait

    def retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception(is_retryable),
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.max_seconds),
            wait=wait_random_exponential(multiplier=self.base_wait, max=self.max_wait),
            before_sleep=before_sleep_log(log, logging.DEBUG),
            reraise=True,
        )

    def wrap(self, client: BaseClient) -> BaseClient:
        """Route every operation of this client (including paginators) through the retry policy."""
        call: Callable[..., Any] = client._make_api_call

        def make_api_call(operation_name: str, api_params: dict[str, Any]) -> Any:
            return self.retrying()(call, operation_name, api_params)

        client._make_api_call = make_api_call  # type: ignore[method-assign]
        return client
