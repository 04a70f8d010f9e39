"""Retries around every AWS call: throttling, 5xx and connection errors, with exponential backoff and jitter.

Why tenacity and not botocore's own retries: an organization-wide run needs a longer, time-bounded patience
for throttling (AWS throttles per account and API, and thousands of accounts share nothing but the caller),
less of it for server errors (a 500 that repeats is the service's fault, not load), and none for what
retrying cannot fix (AccessDenied, validation errors, missing resources). Clients are built with botocore
retries off (`max_attempts: 1`), so the attempts never multiply: a call is sent at most `attempts` times
when throttled and `transient_attempts` times on a 5xx or a dropped connection.
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
from botocore.parsers import ResponseParserError
from tenacity import (
    RetryCallState,
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_delay,
    stop_any,
    wait_random_exponential,
)

log = logging.getLogger(__name__)


class UnreadableAnswer(Exception):
    """The service answered something botocore cannot parse: the service's fault, not the module's."""

    def __init__(self, service: str, operation: str, cause: Exception) -> None:
        self.service, self.operation = service, operation
        first_line = (str(cause).strip().splitlines() or [""])[0][:200]
        super().__init__(
            f"{service} answered {operation} with a response that cannot be parsed ({first_line})"
        )


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


def is_throttling(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code", "") in THROTTLING_CODES


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, CONNECTION_ERRORS) or is_throttling(exc):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in TRANSIENT_CODES or status >= 500
    return False


class RetryPolicy:
    """Bounded in attempts and in time, so a run never hangs on a throttled account."""

    def __init__(
        self,
        attempts: int = 5,
        max_seconds: float = 120.0,
        base_wait: float = 0.25,
        max_wait: float = 20.0,
        transient_attempts: int = 3,
    ) -> None:
        self.attempts = attempts  # when throttled
        self.transient_attempts = transient_attempts  # on a 5xx, a transient code or a dropped connection
        self.max_seconds = max_seconds
        self.base_wait = base_wait
        self.max_wait = max_wait

    def retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception(is_retryable),
            stop=stop_any(self._out_of_attempts, stop_after_delay(self.max_seconds)),
            wait=wait_random_exponential(multiplier=self.base_wait, max=self.max_wait),
            before_sleep=before_sleep_log(log, logging.DEBUG),
            reraise=True,
        )

    def _out_of_attempts(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        limit = self.attempts if exc is not None and is_throttling(exc) else self.transient_attempts
        return state.attempt_number >= min(limit, self.attempts)

    def wrap(self, client: BaseClient) -> BaseClient:
        """Route every operation of this client (including paginators) through the retry policy."""
        call: Callable[..., Any] = client._make_api_call

        service = client.meta.service_model.service_name

        def make_api_call(operation_name: str, api_params: dict[str, Any]) -> Any:
            try:
                return self.retrying()(call, operation_name, api_params)
            except ResponseParserError as exc:
                raise UnreadableAnswer(service, operation_name, exc) from exc

        client._make_api_call = make_api_call  # type: ignore[method-assign]
        return client
