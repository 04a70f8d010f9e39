"""The read fast path of RetryPolicy: one plain call when it succeeds, and a failing first call counts as
the first of the policy's attempts (no extra attempt, no retry of what is not retryable)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from soc2ctl.aws.retry import RetryPolicy


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "DescribeThings")


class Calls:
    def __init__(self, failures: list[BaseException]) -> None:
        self.failures, self.count = failures, 0

    def __call__(self, name, params):
        self.count += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": name, "params": params}


def policy() -> RetryPolicy:
    return RetryPolicy(attempts=3, base_wait=0.001, max_wait=0.002, transient_attempts=3)


def test_a_read_that_succeeds_is_called_once():
    calls = Calls([])
    assert policy()._read(calls, "DescribeThings", {"a": 1}) == {"ok": "DescribeThings", "params": {"a": 1}}
    assert calls.count == 1


def test_a_throttled_read_is_retried_within_the_attempts():
    calls = Calls([_error("Throttling"), _error("Throttling")])
    assert policy()._read(calls, "DescribeThings", {})["ok"] == "DescribeThings"
    assert calls.count == 3


def test_the_first_failure_counts_as_the_first_attempt():
    calls = Calls([_error("Throttling")] * 10)
    with pytest.raises(ClientError, match="Throttling"):
        policy()._read(calls, "DescribeThings", {})
    assert calls.count == 3  # attempts=3 in all, the plain first call included


def test_what_is_not_retryable_fails_at_once():
    calls = Calls([_error("AccessDenied")])
    with pytest.raises(ClientError, match="AccessDenied"):
        policy()._read(calls, "DescribeThings", {})
    assert calls.count == 1
