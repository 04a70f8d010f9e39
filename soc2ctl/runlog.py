"""The run id of this process, and `--log-format json`: one JSON object per line on stderr, each with it.

Why a run id on every line: a log pipeline receives lines from many runs at once (shards, scheduled drift,
CI jobs); the run id is also the STS session name, so it joins a log line to the CloudTrail events of the
same run. The id is reserved when JSON logging starts and taken by the first run the process prepares
(soc2ctl.run.builder), so lines written before the run exists (loading files, starting the sandbox) carry
the same id as the run itself.

Why stderr is wrapped as well as the log handler: progress notes, warnings and errors are printed by the
CLI's consoles, not through `logging`. The contract is "every stderr line parses", so in JSON mode
`sys.stderr` becomes a line writer that turns any text into one JSON object per line (level from an
`error:`/`warning:`/`note:` prefix, colour codes stripped). Log records go to the real stream directly,
already as JSON. Both redact credentials per field (soc2ctl.aws.log_redaction) before encoding, so masking
can never break the JSON.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import secrets
import sys
import threading
from typing import Any, TextIO

from soc2ctl.aws.log_redaction import redact

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LEVEL_PREFIX = re.compile(r"^\s*(error|warning|note|interrupted)\b", re.IGNORECASE)
_current: str | None = None
_reserved: str | None = None
_lock = threading.Lock()


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def reserve() -> str:
    """The id the next run of this process will take (and the id of every line written before it)."""
    global _reserved
    with _lock:
        if _reserved is None and _current is None:
            _reserved = new_run_id()
        return _reserved or _current  # type: ignore[return-value]


def start_run(run_id: str | None = None) -> str:
    """A run begins: the given id, else the reserved one (once), else a new one. Lines now carry it."""
    global _current, _reserved
    with _lock:
        chosen = run_id or _reserved or new_run_id()
        _reserved = None
        _current = chosen
        return chosen


def current_run_id() -> str:
    return _current or reserve()


def reset() -> None:
    """Forget the ids (tests run many CLI invocations in one process)."""
    global _current, _reserved
    with _lock:
        _current = _reserved = None


def _line(level: str, logger: str, message: str, **extra: Any) -> str:
    doc = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": logger,
        "run_id": current_run_id(),
        "message": redact(message),
        **{k: redact(v) if isinstance(v, str) else v for k, v in extra.items()},
    }
    return json.dumps(doc, ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """One log record as one JSON object (tracebacks in `exc_info`, newlines escaped by JSON)."""

    redacts_fields = True  # soc2ctl.aws.log_redaction.install leaves it unwrapped: it redacts per field

    def format(self, record: logging.LogRecord) -> str:
        extra: dict[str, Any] = {}
        if record.exc_info:
            extra["exc_info"] = self.formatException(record.exc_info)
        return _line(record.levelname.lower(), record.name, record.getMessage(), **extra)


class JsonLineWriter(io.TextIOBase):
    """A text stream that writes each line it is given to `target` as one JSON object."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False  # no progress bars, no colour: a pipeline reads this

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._emit(self._pending)
                self._pending = ""
        self.target.flush()

    def _emit(self, line: str) -> None:
        text = _ANSI.sub("", line).rstrip()
        if not text.strip():
            return
        prefix = _LEVEL_PREFIX.match(text)
        word = prefix.group(1).lower() if prefix else "info"
        level = {"note": "info", "interrupted": "error"}.get(word, word)
        self.target.write(_line(level, "soc2ctl.console", text) + "\n")


def json_active() -> bool:
    """Whether `--log-format json` wraps stderr in this process now."""
    return isinstance(sys.stderr, JsonLineWriter)


def install_json(level: int) -> None:
    """JSON lines on stderr: the root logger's one handler writes JSON to the real stream, and anything
    else written to stderr is wrapped line by line."""
    stream = sys.stderr
    real = stream.target if isinstance(stream, JsonLineWriter) else stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(real)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    sys.stderr = JsonLineWriter(real)  # type: ignore[assignment]
    reserve()


def install_text(level: int) -> None:
    """Human log lines on stderr; a JSON handler left by an earlier invocation in this process is removed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler.formatter, JsonFormatter):
            root.removeHandler(handler)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
