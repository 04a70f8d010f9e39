"""One apply at a time per organization.

Two concurrent applies on the same organization could interleave writes to the same settings and leave
evidence that no longer describes what happened. The second run waits (up to `--lock-timeout`) or refuses.
A local file lock (`flock`) serves one machine; a DynamoDB item written with a conditional put serves a
team or a scheduler running on several machines. The DynamoDB lock expires (`expires_at`) so a killed
run cannot block the organization for ever.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import ClientError

from soc2ctl.errors import UserError

POLL_SECONDS = 0.5


class LockBusy(UserError):
    pass


def _busy(key: str, holder: dict[str, Any] | None, where: str) -> LockBusy:
    who = (
        f"run {holder.get('run_id')} (pid {holder.get('pid')}, by {holder.get('caller')}, since {holder.get('since')})"
        if holder
        else "another run"
    )
    return LockBusy(
        f"{who} holds the apply lock for organization {key} ({where}); wait for it to finish, "
        "or pass --lock-timeout SECONDS to wait"
    )


@contextlib.contextmanager
def local_lock(key: str, holder: dict[str, Any], timeout: float, directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"apply-{key}.lock"
    handle: TextIO = path.open("a+")
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    try:
                        current = json.loads(handle.read() or "null")
                    except ValueError:
                        current = None
                    raise _busy(key, current, str(path)) from None
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock


@contextlib.contextmanager
def dynamodb_lock(
    dynamodb: Any, table: str, key: str, holder: dict[str, Any], timeout: float, ttl_seconds: int = 6 * 3600
) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    lock_id = f"soc2ctl-apply-{key}"
    while True:
        now = int(time.time())
        item = {
            "lock_id": {"S": lock_id},
            "owner": {"S": holder["run_id"]},
            "holder": {"S": json.dumps(holder)},
            "expires_at": {"N": str(now + ttl_seconds)},
        }
        try:
            dynamodb.put_item(
                TableName=table,
                Item=item,
                ConditionExpression="attribute_not_exists(lock_id) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
            break
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise UserError(f"apply lock table {table}: {exc}") from None
            if time.monotonic() >= deadline:
                current = dynamodb.get_item(
                    TableName=table, Key={"lock_id": {"S": lock_id}}, ConsistentRead=True
                )
                raw = current.get("Item", {}).get("holder", {}).get("S")
                raise _busy(key, json.loads(raw) if raw else None, f"dynamodb table {table}") from None
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with contextlib.suppress(ClientError):
            dynamodb.delete_item(
                TableName=table,
                Key={"lock_id": {"S": lock_id}},
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": holder["run_id"]}},
            )


def holder_info(run_id: str, caller: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "pid": os.getpid(),
        "caller": caller,
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def apply_lock(
    spec: str, key: str, holder: dict[str, Any], timeout: float, *, dynamodb: Any = None, directory: Path
) -> contextlib.AbstractContextManager[None]:
    """`local` (default) or `dynamodb:TABLE` (a table with string hash key `lock_id`)."""
    if spec == "local":
        return local_lock(key, holder, timeout, directory)
    if spec.startswith("dynamodb:") and dynamodb is not None:
        return dynamodb_lock(dynamodb, spec.split(":", 1)[1], key, holder, timeout)
    raise UserError(f"--lock {spec!r}: use 'local' or 'dynamodb:TABLE'")
