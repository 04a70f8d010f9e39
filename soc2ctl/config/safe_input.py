"""Reading a file that came from a pull request: regular files only, bounded size, UTF-8, bounded JSON.

Why before opening: opening a FIFO blocks until someone writes to it, and a device can be endless, so the
type is checked with `stat`, and the file is then opened non-blocking and checked again with `fstat` (the
path could be swapped in between). Every failure is a `UserError` naming the file (and line, for bad
encoding), never a traceback.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from soc2ctl.errors import Problem, UserError

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_JSON_DEPTH = 200


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, word in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return word
    return "not a regular file"


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    where = str(path)
    try:
        kind = _kind(os.stat(path).st_mode)
    except OSError as exc:
        raise UserError(Problem(f"cannot read file: {exc.strerror or exc}", where)) from None
    except ValueError as exc:  # embedded NUL in the path
        raise UserError(Problem(f"cannot read file: {exc}", where)) from None
    if kind:
        raise UserError(Problem(f"is {kind}, not a regular file", where))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UserError(Problem(f"cannot read file: {exc.strerror or exc}", where)) from None
    with os.fdopen(fd, "rb") as fh:
        kind = _kind(os.fstat(fd).st_mode)
        if kind:
            raise UserError(Problem(f"is {kind}, not a regular file", where))
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UserError(Problem(f"file larger than {max_bytes} bytes", where))
    return data


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file as UTF-8 text; other encodings are an error naming the line of the first bad byte."""
    data = read_bytes(path, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(
            Problem(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", str(path), line)
        ) from None


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets nest at most `limit` deep (checked before `json.loads`, which recurses)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def loads_json(text: str, what: str) -> Any:
    """`json.loads` with a depth limit; ValueError (with `what` in the message) for anything malformed."""
    if not json_depth_ok(text):
        raise ValueError(f"{what}: nested deeper than {MAX_JSON_DEPTH}")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{what}: nested too deeply") from None
