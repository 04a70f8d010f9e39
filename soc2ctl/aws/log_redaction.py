"""Logs that can never print a credential, at any verbosity.

`-vv` turns on botocore's debug logs, which print request headers (`X-Amz-Security-Token`), response bodies
(`<SecretAccessKey>` of every AssumeRole) and credential-provider chatter. Three layers, because a single
one is easy to bypass:

- known values: every credential soc2ctl obtains (base and assumed-role) is `register`ed and masked
  wherever it appears, in any encoding of the log line;
- shapes: access key ids (`AKIA`/`ASIA`), STS session tokens, 40-character secret keys, long base64 runs,
  and any value written after a credential-named key (`SecretAccessKey`, `X-Amz-Security-Token`, ...);
- placement: a record factory redacts every record when it is made (so handlers added later by any library
  are covered), and a filter plus a redacting formatter sit on every handler of the root logger (covering
  tracebacks, which are formatted late).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "(sensitive)"

_KEYED = re.compile(
    r"(?i)((?:aws_)?(?:secret_?access_?key|secret_?key|session_?token|security_?token|x-amz-security-token"
    r"|password|private_?key)(?:\\?['\"])?\s*(?:[:=]|&gt;|>)\s*(?:b?\\?['\"])?)([^\s'\"<,}&\\]+)"
)
_SHAPES = re.compile(
    r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"  # access key ids
    r"|(?:FwoGZXIvYXdz|FQoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+=%]{16,}"  # STS session tokens
    r"|(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{100,}"  # long base64 runs
    r"|-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)"
)
_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")

_known: set[str] = set()
_known_lock = threading.Lock()


def register(*values: Any) -> None:
    """Remember credential values so they are masked verbatim wherever they appear."""
    with _known_lock:
        _known.update(str(v) for v in values if v and len(str(v)) >= 8)


def _mixed(match: re.Match[str]) -> str:
    text = match.group(0)
    mixed = (
        any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)
    )
    return MASK if mixed else text


def redact(text: str) -> str:
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    text = _KEYED.sub(lambda m: m.group(1) + MASK, text)
    text = _SHAPES.sub(MASK, text)
    return _SECRET_KEY.sub(_mixed, text)


def redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "_soc2ctl_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: keep what can be shown
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = redact(message), ()
    record._soc2ctl_redacted = True  # type: ignore[attr-defined]


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class RedactingFormatter(logging.Formatter):
    """Wraps a handler's formatter: the final text, tracebacks included, is redacted."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def _factory(base: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redact_record(record)
        return record

    make._soc2ctl = True  # type: ignore[attr-defined]
    return make


def install() -> None:
    """Redact every log record, on every handler the root logger has (call after configuring logging)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "_soc2ctl", False):
        logging.setLogRecordFactory(_factory(current))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
        # a formatter that redacts each field itself (JSON lines, soc2ctl.runlog) is left alone: masking the
        # encoded text could cut through its quoting
        fielded = getattr(handler.formatter, "redacts_fields", False)
        if not fielded and not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter))
