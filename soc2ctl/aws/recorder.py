"""Records every AWS API call a task makes, through botocore's `after-call` event.

The record serves three masters: evidence (request ids of each write), tests (a second apply must make
no write call), and the benchmark (calls per task). Calls are attributed to the task running in the current
thread through a context variable, so modules need no plumbing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from soc2ctl.aws.iam_actions import iam_action

_READ_PREFIXES = ("Get", "Describe", "List", "Head", "Lookup", "Search", "Batch Get", "BatchGet", "Generate")


@dataclass(frozen=True)
class ApiCall:
    service: str  # the signing name (`monitoring` for CloudWatch)
    operation: str
    request_id: str | None
    status: int | None
    service_name: str = ""  # botocore's service name (`cloudwatch`, `s3control`), when it differs

    @property
    def is_write(self) -> bool:
        """Whether the call changes AWS state (STS calls only mint credentials)."""
        return self.service != "sts" and not self.operation.startswith(_READ_PREFIXES)

    @property
    def iam_action(self) -> str:
        """The IAM action that authorizes the call (see soc2ctl.aws.iam_actions)."""
        return iam_action(self.service_name or self.service, self.service, self.operation)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.iam_action, "request_id": self.request_id, "status": self.status}


_current: ContextVar[list[ApiCall] | None] = ContextVar("soc2ctl_task_calls", default=None)


class CallRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[ApiCall] = []

    def after_call(self, http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any) -> None:
        meta = parsed.get("ResponseMetadata", {}) if isinstance(parsed, dict) else {}
        call = ApiCall(
            service=model.service_model.signing_name if model else "?",
            operation=model.name if model else "?",
            request_id=meta.get("RequestId"),
            status=getattr(http_response, "status_code", None),
            service_name=model.service_model.service_name if model else "?",
        )
        with self._lock:
            self.calls.append(call)
        task_calls = _current.get()
        if task_calls is not None:
            task_calls.append(call)

    @staticmethod
    @contextmanager
    def capture() -> Iterator[list[ApiCall]]:
        """Collect the calls made in this thread while the block runs."""
        calls: list[ApiCall] = []
        token = _current.set(calls)
        try:
            yield calls
        finally:
            _current.reset(token)
