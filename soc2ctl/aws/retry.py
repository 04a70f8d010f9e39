"""Retries around every AWS call: throttling, 5xx and connection errors, with exponential backoff and jitter.

Why tenacity and not botocore's own retries: an organization-wide run needs a longer, time-bounded patience
for throttling (AWS throttles per account and API, and thousands of accounts share nothing but the caller),
less of it for server errors (a 500 that repeats is the service's fault, not load), and none for what
retrying cannot fix (AccessDenied, validation errors, missing resources). Clients are built with botocore
retries off (`total_max_attempts: 1`), so the attempts never multiply: a call is sent at most `attempts`
times (5) when throttled or when its connection drops (a lost response: load, not a broken service; the
write is made idempotent below), and `transient_attempts` times (3) on a 5xx or a transient error code.
The wrapper sits on each client's `_make_api_call`, so paginators and waiters are covered too.

Lost responses: a write whose response never arrives (read timeout, connection closed) may have been
made. Retrying it is safe when AWS makes the call idempotent (client tokens, puts); when the retry answers
"already exists / already done" (ALREADY_DONE), the first attempt did it, and the call counts as done.
Creates whose response a module needs (NEEDS_RESPONSE) get that error instead and adopt the resource by
reading it; creates AWS does not make idempotent at all (NOT_RESENT: KMS CreateKey, which would make a
second key) are not re-sent after a lost response: the module reads for its tagged key and adopts it.
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

from soc2ctl.aws.lost_response import LOST_RESPONSE  # the request may have reached AWS

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
READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Check", "Simulate")
ALREADY_DONE = frozenset(
    {
        "AlreadyExistsException",
        "ResourceAlreadyExistsException",
        "EntityAlreadyExists",
        "FlowLogAlreadyExists",
        "TrailAlreadyExistsException",
        "BucketAlreadyOwnedByYou",
        "DuplicatePolicyException",
        "DuplicatePolicyAttachmentException",
        "AccountAlreadyRegisteredException",
        "ConflictException",
        "ResourceConflictException",
        "InvalidPermission.Duplicate",
        "InvalidPermission.NotFound",
    }
)
NEEDS_RESPONSE = frozenset({("organizations", "CreatePolicy"), ("backup", "CreateBackupPlan")})
NOT_RESENT = frozenset({("kms", "CreateKey")})


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
        self.transient_attempts = transient_attempts  # on a 5xx or a transient error code
        self.max_seconds = max_seconds
        self.base_wait = base_wait
        self.max_wait = max_wait

    def retrying(self, resend_lost: bool = True) -> Retrying:
        def retryable(exc: BaseException) -> bool:
            return is_retryable(exc) and (resend_lost or not isinstance(exc, LOST_RESPONSE))

        return Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_any(self._out_of_attempts, stop_after_delay(self.max_seconds)),
            wait=wait_random_exponential(multiplier=self.base_wait, max=self.max_wait),
            before_sleep=before_sleep_log(log, logging.DEBUG),
            reraise=True,
        )

    def _out_of_attempts(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        patient = exc is not None and (is_throttling(exc) or isinstance(exc, CONNECTION_ERRORS))
        limit = self.attempts if patient else self.transient_attempts
        return state.attempt_number >= min(limit, self.attempts)

    def wrap(self, client: BaseClient) -> BaseClient:
        """Route every operation of this client (including paginators) through the retry policy."""
        call: Callable[..., Any] = client._make_api_call
        service = client.meta.service_model.service_name

        def make_api_call(operation_name: str, api_params: dict[str, Any]) -> Any:
            key = (service, operation_name)
            try:
                if operation_name.startswith(READ_PREFIXES):
                    return self._read(call, operation_name, api_params)
                return self.retrying(resend_lost=key not in NOT_RESENT)(
                    _WriteAttempt(call, key), operation_name, api_params
                )
            except ResponseParserError as exc:
                raise UnreadableAnswer(service, operation_name, exc) from exc

        client._make_api_call = make_api_call  # type: ignore[method-assign]
        return client

    def _read(self, call: Callable[..., Any], operation_name: str, api_params: dict[str, Any]) -> Any:
        """The first attempt is a plain call; only a retryable failure builds the retry machinery, which
        counts that failure as its first attempt. Building and running tenacity's loop for every call
        cost ~10% of botocore's own CPU per call, for calls that almost always succeed at once."""
        try:
            return call(operation_name, api_params)
        except Exception as exc:
            if not is_retryable(exc):
                raise
            first: list[BaseException] = [exc]

        def attempt(name: str, params: dict[str, Any]) -> Any:
            if first:
                raise first.pop()
            return call(name, params)

        return self.retrying()(attempt, operation_name, api_params)


class _WriteAttempt:
    """One write call across its retries: remembers a lost response, and takes "already done" after one
    for the success it was."""

    def __init__(self, call: Callable[..., Any], key: tuple[str, str]) -> None:
        self.call, self.key, self.lost = call, key, False

    def __call__(self, operation_name: str, api_params: dict[str, Any]) -> Any:
        try:
            return self.call(operation_name, api_params)
        except LOST_RESPONSE:
            self.lost = True
            raise
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if self.lost and code in ALREADY_DONE and self.key not in NEEDS_RESPONSE:
                log.info("%s.%s: %s after a lost response: it was done", *self.key, code)
                return {"ResponseMetadata": exc.response.get("ResponseMetadata", {}), "AlreadyDone": code}
            raise
